from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People: role profiles, recruitment and the pool of talent. HR data: narrower access than anything else."""

    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # Time to hire and vacancies filled from the pool, in the performance framework.
        from . import measures  # noqa: F401

        # Demo role profiles come from the migration; the demo vacancies, pool and candidates from this step.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("people: recruitment, the pool of talent and vacancies", order=70, run=demo.people_step)
