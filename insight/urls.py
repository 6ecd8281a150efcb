"""The BI team's pages. Mounted by oxtom/urls.py at "staff/insight/"."""
from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("", views.forecasts, name="forecasts"),
]
