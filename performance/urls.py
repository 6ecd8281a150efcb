"""Public division pages. Mounted by oxtom/urls.py at the site root."""
from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("divisions/", views.division_list, name="divisions"),
    path("divisions/<slug:slug>/", views.division_detail, name="division"),
    path("divisions/<slug:slug>/data.csv", views.division_csv, name="division_csv"),
]
