from django.urls import path

from .views import appointments, staff

app_name = "community_staff"
urlpatterns = [
    path("", staff.home, name="home"),
    path("changes/<int:pk>/", staff.change_detail, name="change"),
    path("organisations/new/", staff.organisation_new, name="organisation_new"),
    path("organisations/<int:pk>/", staff.organisation_detail, name="organisation"),
    path("appointments/", appointments.staff_day, name="appointments"),
    path("appointments/<int:pk>/mark/", appointments.staff_mark, name="appointment_mark"),
    path("signpost/<str:reference>/", staff.signpost, name="signpost"),
]
