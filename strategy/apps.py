from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Strategy: projects and consultations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Demo projects in every RAG state, a resource pool and consultations (after the Cabinet reports).
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("projects and consultations", order=97, run=demo.strategy_step)
