"""Resident-facing "Report it" pages, mounted at "" by oxtom/urls.py."""
from django.urls import path

from .views import public, resident

app_name = "portal"

urlpatterns = [
    path("report/your-reports/", resident.your_reports, name="your_reports"),
    path("reports/", public.reports_around, name="reports_around"),
    path("reports/<str:reference>/", public.report_public, name="report_public"),
    path("reports/<str:reference>/photos/<str:token>/", public.report_photo, name="report_photo"),
    path("reports/<str:reference>/follow/", resident.report_follow, name="report_follow"),
    path("reports/<str:reference>/reopen/", resident.report_reopen, name="report_reopen"),
    path("reports/<str:reference>/feedback/", resident.report_feedback, name="report_feedback"),
]
