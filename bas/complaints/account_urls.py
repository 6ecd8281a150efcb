from django.urls import path

from . import views

app_name = "complaints_account"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("<str:reference>/", views.account_detail, name="detail"),
    path("<str:reference>/escalate/", views.account_escalate, name="escalate"),
]
