"""Councillors' casework pages. Mounted by oxtom/urls.py: path("members/", include("casework.member_urls"))."""
from django.urls import path

from . import member_views

app_name = "casework_members"

urlpatterns = [
    path("enquiries/", member_views.enquiry_list, name="enquiries"),
    path("enquiries/new/", member_views.enquiry_new, name="enquiry_new"),
    path("cases/", member_views.division_cases, name="division_cases"),
    path("cases/<str:reference>/", member_views.division_case, name="case"),
]
