from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """What BAS takes in: the post room's scanned post and colleagues' bulk data uploads."""

    name = "bas.intake"
    label = "bas_intake"
    verbose_name = "Post room and bulk data uploads"
