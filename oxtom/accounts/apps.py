from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oxtom.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the sign-up and sign-in receivers)
