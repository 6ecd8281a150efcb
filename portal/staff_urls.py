"""Staff pages for street reports. Mounted under /staff/reports/ by oxtom/urls.py."""
from django.urls import path

from .views import staff

app_name = "portal_staff"

urlpatterns = [
    # Before the report pattern: "feedback" is never a report reference (those carry digits).
    path("feedback/", staff.feedback_list, name="feedback"),
    path("<str:reference>/", staff.report_detail, name="report"),
    path("<str:reference>/photos/<str:token>/", staff.report_photo, name="report_photo"),
    path("<str:reference>/photos/<str:token>/thumbnail/", staff.report_photo, {"size": "thumbnail"},
         name="report_photo_thumbnail"),
    path("<str:reference>/<slug:action>/", staff.report_action, name="report_action"),
]
