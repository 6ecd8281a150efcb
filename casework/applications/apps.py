from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "casework.applications"
    label = "applications"
    verbose_name = "Applications and entitlements"

    def ready(self) -> None:
        from oxtom.customers import merge

        from .models import Application, Entitlement

        # A merged customer's applications and entitlements follow them to the surviving record.
        merge.register_move(Application, "customer")
        merge.register_move(Entitlement, "customer")
