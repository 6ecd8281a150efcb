from django.apps import AppConfig


class FoiConfig(AppConfig):
    """FOI and EIR requests on the case engine, and the public disclosure log (Nick's story)."""

    name = "bas.foi"
    label = "foi"
    verbose_name = "FOI and EIR requests"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        from .services import is_foi_staff

        # The link shows to whoever the FOI pages let in (the permission and the FOI team): one rule for both.
        register_staff_nav_item("FOI requests", "/staff/foi/", permissions=(Permission.FOI_WORK,), order=82,
                                visible=is_foi_staff)

        from . import measures

        # % answered within 20 working days, extensions used, internal reviews and outcomes.
        measures.register()

        from oxtom.core.demo import register_demo_step

        from . import demo

        # A disclosure log to search, and requests at every stage for the co-ordinator and the approver.
        register_demo_step("FOI requests and the disclosure log", order=75, run=demo.foi_step)
        from oxtom.customers import assist

        # An adviser asks for an internal review for the requester, in an acting-for session.
        assist.register_journey("Their information requests (ask for an internal review)", "/foi/my-requests/")

        from oxtom.core.demo import register_demo_listing

        # The resident who can ask for an internal review of their answered request, and where.
        register_demo_listing("foi", demo.demo_listing)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import foi_work

        register_staff_home_section("foi/home_section.html", foi_work)

        from .home import foi_allocations

        # The holding services' open allocations (any team an FOI request asks for information).
        register_staff_home_section("foi/allocations_home_section.html", foi_allocations)

        from oxtom.cases.owners import register_task_holder

        from .services import holds_task

        # The service asked for the information marks its allocation's task done (not the FOI team only).
        register_task_holder(holds_task)
