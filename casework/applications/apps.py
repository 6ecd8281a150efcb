from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "casework.applications"
    label = "applications"
    verbose_name = "Applications and entitlements"

    def ready(self) -> None:
        from oxtom.customers import merge
        from oxtom.payments.services import register_payment_success_handler

        from . import services
        from .models import Application, Entitlement

        # A merged customer's applications and entitlements follow them to the surviving record.
        merge.register_move(Application, "customer")
        merge.register_move(Entitlement, "customer")
        # A successful payment for an application issues its permit, badge or pass (once).
        register_payment_success_handler(Application._meta.label_lower, services.on_application_payment_success)
