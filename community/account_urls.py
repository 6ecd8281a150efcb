from django.urls import path

from .views import account, appointments, offers

app_name = "community_account"
urlpatterns = [
    path("", account.home, name="home"),
    path("bookings/<str:reference>/", account.booking_detail, name="booking"),
    path("bookings/<str:reference>/cancel/", account.booking_cancel, name="booking_cancel"),
    path("bookings/<str:reference>/accept/", account.booking_accept, name="booking_accept"),
    path("bookings/<str:reference>/pay/", account.booking_pay, name="booking_pay"),
    path("bookings/<str:reference>/calendar.ics", account.booking_calendar, name="booking_calendar"),
    path("bookings/<str:reference>/feedback/", account.booking_feedback, name="booking_feedback"),
    path("appointments/<str:reference>/", appointments.appointment_detail, name="appointment"),
    path("appointments/<str:reference>/cancel/", appointments.appointment_cancel_view, name="appointment_cancel"),
    path("appointments/<str:reference>/move/", appointments.appointment_move_view, name="appointment_move"),
    path("appointments/<str:reference>/feedback/", appointments.appointment_feedback, name="appointment_feedback"),
    path("appointments/<str:reference>/calendar.ics", appointments.appointment_calendar, name="appointment_calendar"),
    path("offers/<int:pk>/", offers.offer_in_account, name="offer"),
    path("you/", account.person_edit, {"is_self": True}, name="self"),
    path("people/new/", account.person_edit, name="person_new"),
    path("people/<int:pk>/", account.person_edit, name="person"),
    path("people/<int:pk>/remove/", account.person_delete, name="person_remove"),
]
