from django.urls import path

from .views import appointments, offers, resources, staff

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
    path("appointment-services/", resources.services, name="resource_services"),
    path("appointment-services/<int:service>/", resources.resources, name="resources"),
    path("appointment-services/<int:service>/new/", resources.resource_new, name="resource_new"),
    path("appointment-services/<int:service>/<int:pk>/", resources.resource_detail, name="resource"),
    path("appointment-services/<int:service>/<int:pk>/hours/", resources.resource_hours, name="resource_hours"),
    path("appointment-services/<int:service>/<int:pk>/absences/new/", resources.absence_new, name="absence_new"),
    path("appointment-services/<int:service>/<int:pk>/absences/<int:absence>/", resources.absence_detail,
         name="absence"),
    path("cases/<str:reference>/offer/", offers.offer_new, name="offer_new"),
    path("signpost/<str:reference>/", staff.signpost, name="signpost"),
]
