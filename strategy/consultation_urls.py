"""Consultation officers' tools. Mounted by oxtom/urls.py at "staff/consultations/"."""
from django.urls import path

from .views import consultations as c

app_name = "strategy_consultations"

urlpatterns = [
    path("", c.staff_list, name="list"),
    path("new/", c.staff_new, name="new"),
    path("<slug:slug>/", c.staff_manage, name="manage"),
    path("<slug:slug>/responses.csv", c.staff_csv, name="csv"),
    path("<slug:slug>/enter/", c.staff_enter, name="enter"),
]
