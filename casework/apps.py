from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from oxtom.customers import merge

        from .models import Case

        # A merged customer's cases follow them to the surviving record.
        merge.register_move(Case, "customer")
