from django.urls import path

from . import views

app_name = "complaints_members"
urlpatterns = [
    path("report/", views.member_report, name="report"),
    path("report.csv", views.member_report_csv, name="report_csv"),
]
