from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oxtom.accounts"
    label = "accounts"
    verbose_name = "Accounts"
