from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "oxtom.payments"
    label = "payments"
    verbose_name = "Payments"
