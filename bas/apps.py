from django.apps import AppConfig


class BasConfig(AppConfig):
    """Business Administration Support: the service menu and colleagues' requests (Sue's story)."""

    name = "bas"
    verbose_name = "Business admin support"
