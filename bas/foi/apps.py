from django.apps import AppConfig


class FoiConfig(AppConfig):
    """FOI and EIR requests on the case engine, and the public disclosure log (Nick's story)."""

    name = "bas.foi"
    label = "foi"
    verbose_name = "FOI and EIR requests"

    def ready(self) -> None:
        from . import measures

        # % answered within 20 working days, extensions used, internal reviews and outcomes.
        measures.register()

        from oxtom.core.demo import register_demo_step

        from . import demo

        # A disclosure log to search, and requests at every stage for the co-ordinator and the approver.
        register_demo_step("FOI requests and the disclosure log", order=75, run=demo.foi_step)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import foi_work

        register_staff_home_section("foi/home_section.html", foi_work)
