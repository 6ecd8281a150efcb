from django.apps import AppConfig
from django.core import checks


class CustomersConfig(AppConfig):
    name = "oxtom.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from . import merge  # noqa: F401 - registers the customers app's own relations

        checks.register(check_merge_registry, checks.Tags.models)


def check_merge_registry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn at start-up about relations to Customer that the merge allow-list doesn't cover.

    A warning, not an error, so a developer mid-way through adding a model can
    still run makemigrations; customer_merge itself refuses to run until it's fixed.
    """
    from .merge import unregistered_relations

    return [
        checks.Warning(
            f"{label} points at Customer but is not in the merge allow-list.",
            hint="Call oxtom.customers.merge.register_move() or register_keep() in the app's ready().",
            id="customers.W001",
        )
        for label in unregistered_relations()
    ]
