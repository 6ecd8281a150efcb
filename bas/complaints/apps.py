from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """Corporate complaints at stage 1 and stage 2 (the Ombudsman's complaint handling code), and their learning."""

    name = "bas.complaints"
    label = "complaints"
    verbose_name = "Corporate complaints"
