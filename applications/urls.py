"""Officers' pages for referred applications. Mounted at /staff/applications/ by oxtom/urls.py."""
from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.index, name="index"),
    path("settings/<slug:code>/", views.settings, name="settings"),  # fees and term (CATALOGUE_EDIT)
    path("<str:reference>/", views.assess, name="assess"),
    path("<str:reference>/decide/", views.decide, name="decide"),
    path("<str:reference>/refund/", views.refund, name="refund"),  # an ended permit's unused term
    path("<str:reference>/revoke/", views.revoke, name="revoke"),  # end the permit it issued
    path("<str:reference>/evidence/<str:token>/", views.evidence_file, name="evidence"),
]
