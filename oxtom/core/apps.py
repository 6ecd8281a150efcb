from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "oxtom.core"
    label = "core"
    verbose_name = "Shared kernel"
