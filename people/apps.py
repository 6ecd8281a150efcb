from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People: role profiles, recruitment and the pool of talent. HR data: narrower access than anything else."""

    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Recruitment", "/staff/people/", permissions=(Permission.RECRUITMENT_WORK, Permission.STAFF_MANAGE), order=85)

        # Time to hire and vacancies filled from the pool, in the performance framework.
        from . import measures  # noqa: F401

        # Demo role profiles come from the migration; the demo vacancies, pool and candidates from this step.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("people: recruitment, the pool of talent and vacancies", order=70, run=demo.people_step)

        # Tom's and Jane's recruitment work on the staff home (people/home.py: three queries, none for others).
        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import recruitment_work

        register_staff_home_section("people/home_section.html", recruitment_work)
