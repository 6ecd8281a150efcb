from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "applications.renewals"
    label = "renewals"
    verbose_name = "Renewals"

    def ready(self) -> None:
        # Registers the "renewals.reply-yes" inbound-SMS handler.
        from . import handlers  # noqa: F401
