from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, roles and (later) API keys."""

    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
