from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Performance", "/staff/performance/", permissions=(Permission.PERFORMANCE_MANAGE,), order=50)

        # Cached division and county figures are rebuilt after any change to what they show.
        from .figures_cache import connect_signals

        connect_signals()
        # Last in the demo: the first figures once every app's activity is in, then Cabinet reports.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("figures", order=90, run=demo.figures_step)
        register_demo_step("Cabinet reports", order=95, run=demo.cabinet_step)
        register_demo_step("demand history", order=98, run=demo.history_step)
