from django.urls import path

from .views import appointments, offers, staff

app_name = "community_staff"
urlpatterns = [
    path("", staff.home, name="home"),
    path("changes/<int:pk>/", staff.change_detail, name="change"),
    path("organisations/new/", staff.organisation_new, name="organisation_new"),
    path("events/<int:pk>/", staff.event_review, name="event_review"),
    path("feedback/", staff.feedback, name="feedback"),
    path("feedback/recent/", staff.feedback_recent, name="feedback_recent"),
    path("organisations/<int:pk>/", staff.organisation_detail, name="organisation"),
    path("appointments/", appointments.staff_day, name="appointments"),
    path("appointments/<int:pk>/mark/", appointments.staff_mark, name="appointment_mark"),
    path("appointments/<int:pk>/move/", appointments.staff_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", appointments.staff_cancel, name="appointment_cancel"),
    path("cases/<str:reference>/offer/", offers.offer_new, name="offer_new"),
    path("signpost/<str:reference>/", staff.signpost, name="signpost"),
]
