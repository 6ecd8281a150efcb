"""Staff pages for the customer record, under /staff/customers/. References, never personal data, in URLs."""
from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<str:reference>/", views.record, name="record"),
    path("<str:reference>/change/", views.edit, name="edit"),
    path("<str:reference>/consent/", views.consent_add, name="consent"),
    path("<str:reference>/merge/", views.merge_choose, name="merge"),
    path("<str:reference>/merge/<str:survivor>/", views.merge_confirm, name="merge_confirm"),
]
