from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "oxtom.customers"
    label = "customers"
    verbose_name = "Customers"
