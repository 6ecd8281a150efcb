"""Councillors' division pages. Mounted by oxtom/urls.py at "members/"."""
from django.urls import path, re_path

from . import member_views

app_name = "performance_members"

urlpatterns = [
    path("division/", member_views.my_division, name="division"),
    path("division/briefing/", member_views.briefing, name="briefing"),
    path("reports/", member_views.reports, name="reports"),
    re_path(r"^reports/(?P<month>\d{4}-\d{2})/$", member_views.report, name="report"),
    re_path(r"^reports/(?P<month>\d{4}-\d{2})/report\.pdf$", member_views.report_pdf, name="report_pdf"),
]
