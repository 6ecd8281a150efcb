from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Insight: forecasts and risk models"
    default_auto_field = "django.db.models.BigAutoField"
