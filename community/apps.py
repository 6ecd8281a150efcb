from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community directory, events and bookings"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Community", "/staff/community/", permissions=(Permission.COMMUNITY_MODERATE,), order=60)
        from .selectors import can_manage_appointment_resources

        # A service's officers, rooms, hours and absences: for its team's leader and the services' administrator,
        # the rule the pages themselves apply.
        register_staff_nav_item("Appointment staff and rooms", "/staff/community/appointment-services/", order=61,
                                visible=can_manage_appointment_resources)

        from oxtom.customers import assist, merge
        from oxtom.payments.services import register_payment_success_handler

        from .models import Appointment, AppointmentOffer, Booking, Signposting, SupportPerson

        # A merged resident keeps the people they care for, their bookings and what they were sent.
        merge.register_move(SupportPerson, "customer")
        merge.register_move(Booking, "booker")
        merge.register_move(Booking, "attendee_customer")
        merge.register_move(Signposting, "customer")
        merge.register_move(Appointment, "customer")
        merge.register_move(AppointmentOffer, "customer")
        # The staff case page's "Appointments" section: times offered from the case and the booking made.
        from oxtom.cases.owners import register_case_panel

        from .views.offers import case_panel

        register_case_panel(case_panel)
        # Advisers book events for a resident inside an acting-for session (the same journey, audited).
        assist.register_journey("Find community support and book an event", "/community/")
        assist.register_journey("Their community bookings and the people they care for", "/account/community/")
        from .services.bookings import booking_payment_succeeded

        register_payment_success_handler("community.booking", booking_payment_succeeded)
        # The placeholders each community message is sent with: an admin's edit to its template may use only these.
        from .messages import register_placeholders

        register_placeholders()
        from django.apps import apps

        if apps.is_installed("performance"):
            from .measures import register

            register()  # bookings, attendance, waiting-list conversion, feedback, signposting by division
        # The directory, events, a partner's waiting changes and Donna's family.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("community directory entries and events", order=50, run=demo.community_step)
