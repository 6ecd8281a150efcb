from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Starters from offer to first week, leavers, and staff IT access requests."""

    name = "people.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding, leavers and staff access"
