from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "oxtom.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from oxtom.customers import merge

        # Messages queued for a merged-away record go to the survivor (pending
        # ones are then sent to the survivor's details); sent ones follow so the
        # survivor's history is whole.
        merge.register_move("notify.outboundmessage", "customer")
        merge.register_move("notify.inboundsms", "customer")
