from django.apps import AppConfig


class BasConfig(AppConfig):
    """Business Administration Support: the service menu and colleagues' requests (Sue's story)."""

    name = "bas"
    verbose_name = "Business admin support"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Business admin", "/staff/bas/", permissions=(Permission.BAS_WORK,), order=80)
        from .services import can_manage_menus

        # The manager's set-up pages, shown to whoever they let in (the BAS manager's right): one rule for both.
        register_staff_nav_item("BAS menus", "/staff/bas/menus/", permissions=(Permission.BAS_MANAGE,), order=84,
                                visible=can_manage_menus)
        register_staff_nav_item("Directorates", "/staff/bas/directorates/", permissions=(Permission.BAS_MANAGE,),
                                order=84, visible=can_manage_menus)

        from oxtom.accounts.staff_home import register_staff_home_section
        from oxtom.cases.owners import register_case_owner
        from oxtom.core.demo import register_demo_step

        from . import demo, measures
        from .home import bas_section
        from .owner import bas_owner_page

        # Any colleague: "Request business admin support" and their open requests on the staff home.
        register_staff_home_section("bas/home_section.html", bas_section)
        # The generic case page links to the request's own page, where its steps are taken.
        register_case_owner(bas_owner_page, select_related="bas_request")
        # Requests waiting in the queue, one allocated with a date proposed, one delivered awaiting rating.
        register_demo_step("business admin requests", order=70, run=demo.bas_step)
        measures.register()
