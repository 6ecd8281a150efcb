from django.urls import path

from . import views

app_name = "renewals"

# Mounted at /renew/. The token is a 64-character hex HMAC (tokens.py); anything else is
# answered by the same "link not valid" page as a forged token.
urlpatterns = [
    path("<str:token>/", views.confirm, name="confirm"),
    path("<str:token>/changed/", views.changed, name="changed"),
    path("<str:token>/pay/", views.pay, name="pay"),
]
