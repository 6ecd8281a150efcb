from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Strategy: projects and consultations"
    default_auto_field = "django.db.models.BigAutoField"
