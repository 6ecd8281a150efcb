from django.urls import path

from .views import appointments, offers, partner, public

app_name = "community"
urlpatterns = [
    path("", public.find, name="find"),
    path("services/<int:pk>/", public.service_detail, name="service"),
    path("events/<int:pk>/", public.event_detail, name="event"),
    path("events/<int:pk>/book/", public.event_book, name="event_book"),
    # Book it: council appointments (a mobility assessment, a callback).
    path("appointments/", appointments.appointment_services, name="appointments"),
    path("appointments/offers/<str:token>/", offers.offer_by_link, name="offer"),
    path("appointments/<slug:code>/", appointments.appointment_new, name="appointment_new"),
    # Community partners keep their organisation's entries and run their events.
    path("partner/", partner.home, name="partner"),
    path("partner/organisations/<int:pk>/services/new/", partner.service_new, name="partner_service_new"),
    path("partner/services/<int:pk>/edit/", partner.service_edit, name="partner_service_edit"),
    path("partner/services/<int:pk>/confirm/", partner.service_confirm_view, name="partner_service_confirm"),
    path("partner/services/<int:pk>/events/new/", partner.event_new, name="partner_event_new"),
    path("partner/feedback/", partner.feedback, name="partner_feedback"),
    path("partner/events/<int:pk>/", partner.event_bookings, name="partner_event"),
    path("partner/events/<int:pk>/attendance/", partner.event_attendance, name="partner_event_attendance"),
    path("partner/events/<int:pk>/message/", partner.event_message, name="partner_event_message"),
    path("partner/events/<int:pk>/cancel/", partner.event_cancel_view, name="partner_event_cancel"),
    path("partner/events/<int:pk>/bookings/<int:booking_id>/cancel/", partner.booking_cancel_by_organiser,
         name="partner_booking_cancel"),
]
