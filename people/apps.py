from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People: role profiles, recruitment and the pool of talent. HR data: narrower access than anything else."""

    name = "people"
    verbose_name = "People"
