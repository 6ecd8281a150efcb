"""Resident-facing "Report it" pages, mounted at "" by oxtom/urls.py."""
from django.urls import path

from .views import journey, location_map, public, resident

app_name = "portal"

urlpatterns = [
    path("report/", journey.report_start, name="report_start"),
    path("report/new/", journey.report_begin, name="report_begin"),
    path("report/type/", journey.report_type, name="report_type"),
    path("report/location/", journey.report_location, name="report_location"),
    path("report/location/map/", location_map.report_map, name="report_map"),
    path("report/location/street/", journey.report_street, name="report_street"),
    path("report/already-reported/", journey.report_nearby, name="report_nearby"),
    path("report/follow/", journey.report_follow_confirm, name="report_follow_confirm"),
    path("report/details/", journey.report_details, name="report_details"),
    path("report/emergency/", journey.report_emergency, name="report_emergency"),
    path("report/criteria/", journey.report_criteria, name="report_criteria"),
    path("report/photos/", journey.report_photos, name="report_photos"),
    path("report/check/", journey.report_check, name="report_check"),
    path("report/confirmation/", journey.report_confirmation, name="report_confirmation"),
    path("report/your-reports/", resident.your_reports, name="your_reports"),
    path("reports/", public.reports_around, name="reports_around"),
    path("reports/<str:reference>/", public.report_public, name="report_public"),
    path("reports/<str:reference>/photos/<str:token>/", public.report_photo, name="report_photo"),
    path("reports/<str:reference>/photos/<str:token>/thumbnail/", public.report_photo, {"size": "thumbnail"},
         name="report_photo_thumbnail"),
    path("reports/<str:reference>/follow/", resident.report_follow, name="report_follow"),
    path("reports/<str:reference>/unfollow/", resident.report_unfollow, name="report_unfollow"),
    path("reports/<str:reference>/reopen/", resident.report_reopen, name="report_reopen"),
    path("reports/<str:reference>/feedback/", resident.report_feedback, name="report_feedback"),
]
