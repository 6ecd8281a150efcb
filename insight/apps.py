from django.apps import AppConfig

# On the engine's case page a MASH referral is screened only on its own page (which records the outcome).
MASH_STEPS = frozenset({"screen", "accept", "request-information", "information-received", "update", "decide",
                        "close", "duplicate", "follow-on", "refer"})


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Insight: forecasts, MASH referrals and the risk model"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Insight", "/staff/insight/", permissions=(Permission.INSIGHT_WORK,), order=92)
        register_staff_nav_item("MASH referrals", "/staff/insight/mash/", permissions=(Permission.SAFEGUARDING_SCREEN,),
                                order=93)

        # The first night's demand forecasts, once performance has seeded the history they learn from.
        from oxtom.accounts.staff_home import register_staff_home_section
        from oxtom.cases.owners import register_case_owner
        from oxtom.core.demo import register_demo_step

        from . import demo
        from .home import insight_section

        register_demo_step("demand forecasts", order=99, run=demo.forecasts_step)
        # MASH referrals, a trained and signed-off risk model, and a week's report for Lee.
        register_demo_step("MASH referrals and the risk model", order=100, run=demo.mash_step)
        register_case_owner(_referral_page)
        register_staff_home_section("insight/home_section.html", insight_section)


def _referral_page(case):
    from django.urls import reverse

    from oxtom.cases.owners import OwnerPage

    if case.service.code != "mash-referral":
        return None
    return OwnerPage(reverse("insight:referral", kwargs={"reference": case.reference}), MASH_STEPS,
                     "referral-link", f"Screen referral {case.reference}")
