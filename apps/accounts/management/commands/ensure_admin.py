"""``manage.py ensure_admin``: the admin from DJANGO_SUPERUSER_* or a generated one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.accounts.services import admin_ensure
from storyportal import conf


class Command(BaseCommand):
    help = "Make sure the platform admin exists (DJANGO_SUPERUSER_USERNAME/PASSWORD, else generate one once)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = admin_ensure(
            username=conf.get_str("DJANGO_SUPERUSER_USERNAME"),
            password=conf.get_str("DJANGO_SUPERUSER_PASSWORD"),
            email=conf.get_str("DJANGO_SUPERUSER_EMAIL", "") or "",
        )
        if result.generated_password:
            self.stdout.write(
                self.style.SUCCESS(
                    "Created the platform admin (shown once, change it after logging in):\n"
                    f"  username: {result.user.username}\n  password: {result.generated_password}"
                )
            )
        elif result.created:
            self.stdout.write(f"Created admin {result.user.username!r} from DJANGO_SUPERUSER_*.")
        else:
            self.stdout.write(f"Admin {result.user.username!r} is in place.")
