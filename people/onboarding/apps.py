from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Starters from offer to first week, leavers, and staff IT access requests."""

    name = "people.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding, leavers and staff access"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("IT access", "/staff/people/access/", permissions=(Permission.ICT_DESK, Permission.STAFF_MANAGE), order=86)

        # Recruitment tells us about accepted offers and confirmed appointments through its registry.
        from people.registry import on_appointment_confirmed, on_offer_accepted

        from . import hooks

        on_offer_accepted(hooks.offer_accepted)
        on_appointment_confirmed(hooks.appointment_confirmed)

        from . import measures

        measures.register()

        from oxtom.core.demo import register_demo_step

        from . import demo

        # Sophie starting soon with items overdue, a buddy, a leaver, an IT request waiting for the desk.
        register_demo_step("starters, leavers and staff IT requests", order=78, run=demo.onboarding_step)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import my_people_work

        register_staff_home_section("onboarding/home_section.html", my_people_work)
