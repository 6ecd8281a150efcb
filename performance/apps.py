from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        # Cached division and county figures are rebuilt after any change to what they show.
        from .figures_cache import connect_signals

        connect_signals()
