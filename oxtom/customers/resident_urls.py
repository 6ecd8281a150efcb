"""Residents' own contact details, under /account/details/."""
from django.urls import path

from . import views

app_name = "account_details"

urlpatterns = [
    path("", views.resident_details, name="show"),
    path("change/", views.resident_details_change, name="change"),
    path("choices/", views.resident_consents, name="consents"),
    path("done-for-you/", views.resident_on_behalf, name="on_behalf"),
]
