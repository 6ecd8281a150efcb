"""Residents' own cases. Mounted by oxtom/urls.py: path("account/cases/", include("casework.account_urls"))."""
from django.urls import path

from . import account_views

app_name = "casework_account"

urlpatterns = [
    path("", account_views.case_list, name="cases"),
    path("<str:reference>/", account_views.case_detail, name="case"),
    path("<str:reference>/reply/", account_views.case_reply, name="reply"),
]
