from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Insight: forecasts and risk models"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The first night's demand forecasts, once performance has seeded the history they learn from.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("demand forecasts", order=99, run=demo.forecasts_step)
