from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Strategy: projects and consultations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Projects", "/staff/projects/", permissions=(Permission.PMO_WORK, Permission.BOARD_DECIDE, Permission.PROJECT_PROPOSE), order=90)
        register_staff_nav_item("Consultations", "/staff/consultations/", permissions=(Permission.CONSULTATION_MANAGE,), order=91)

        # Demo projects in every RAG state, a resource pool and consultations (after the Cabinet reports).
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("projects and consultations", order=97, run=demo.strategy_step)
