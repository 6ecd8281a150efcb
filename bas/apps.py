from django.apps import AppConfig


class BasConfig(AppConfig):
    name = "bas"
    verbose_name = "Bas"
