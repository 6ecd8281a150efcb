from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.start, name="start"),
    path("new/", views.new, name="new"),
    path("made/<str:reference>/", views.made, name="made"),
    path("report/", views.public_report, name="report"),
    path("report.csv", views.public_report_csv, name="report_csv"),
]
