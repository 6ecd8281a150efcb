"""Staff pages for street reports. Mounted under /staff/reports/ by oxtom/urls.py."""
from django.urls import path

from .views import staff

app_name = "portal_staff"

urlpatterns = [
    path("<str:reference>/", staff.report_detail, name="report"),
    path("<str:reference>/<slug:action>/", staff.report_action, name="report_action"),
]
