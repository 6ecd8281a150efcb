"""Public division pages. Mounted by oxtom/urls.py at the site root."""
from django.urls import path, re_path

from . import views

app_name = "performance"

urlpatterns = [
    path("divisions/", views.division_list, name="divisions"),
    # Before the division slug: the published Cabinet reports sit with the division pages.
    path("divisions/cabinet-reports/", views.cabinet_reports, name="cabinet_reports"),
    re_path(r"^divisions/cabinet-reports/(?P<month>\d{4}-\d{2})/$", views.cabinet_report, name="cabinet_report"),
    path("divisions/<slug:slug>/", views.division_detail, name="division"),
    path("divisions/<slug:slug>/data.csv", views.division_csv, name="division_csv"),
]
