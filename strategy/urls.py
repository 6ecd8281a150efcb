"""Public consultation pages. Mounted by oxtom/urls.py at the site root."""
from django.urls import path

from .views import consultations as c

app_name = "strategy"

urlpatterns = [
    path("consultations/", c.consultation_list, name="consultations"),
    path("consultations/<slug:slug>/", c.respond, name="consultation"),
    path("consultations/<slug:slug>/thank-you/", c.done, name="consultation_done"),
    path("consultations/<slug:slug>/results/", c.results, name="consultation_results"),
]
