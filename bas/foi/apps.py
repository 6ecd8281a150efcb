from django.apps import AppConfig


class FoiConfig(AppConfig):
    """FOI and EIR requests on the case engine, and the public disclosure log (Nick's story)."""

    name = "bas.foi"
    label = "foi"
    verbose_name = "FOI and EIR requests"
