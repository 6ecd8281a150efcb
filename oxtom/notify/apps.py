from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "oxtom.notify"
    label = "notify"
    verbose_name = "Notifications"
