from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, roles, API keys and API sessions."""

    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from apps.accounts import signals  # noqa: F401  (connects the cache refreshers)
