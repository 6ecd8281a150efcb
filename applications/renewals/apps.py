from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "applications.renewals"
    label = "renewals"
    verbose_name = "Renewals"

    def ready(self) -> None:
        # Registers the "renewals.reply-yes" inbound-SMS handler.
        from . import handlers  # noqa: F401

        from oxtom.payments.services import register_payment_failure_handler

        from .services import on_agreement_payment_failed

        # A renewal fee under a saved-card agreement that is declined: the resident gets the payment link.
        register_payment_failure_handler("applications.application", on_agreement_payment_failed)
