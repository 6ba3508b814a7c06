"""``manage.py api_key create|list|revoke``: API keys for scripts and CI from the shell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import ApiKey, User
from apps.accounts.scopes import ALL_SCOPES
from apps.accounts.services import api_key_create, api_key_revoke
from storyportal.api.exceptions import DomainError


class Command(BaseCommand):
    help = "Create, list or revoke API keys. A new key is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key for a user.")
        create.add_argument("--user", required=True, help="Owner's username.")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", dest="scopes", action="append", choices=ALL_SCOPES, required=True)
        create.add_argument("--expires-in-days", type=int, default=None)
        listing = actions.add_parser("list", help="List keys (never their secret).")
        listing.add_argument("--user", help="Only this user's keys.")
        revoke = actions.add_parser("revoke", help="Revoke a key by id or prefix.")
        revoke.add_argument("key", help="The key's id or its visible prefix (sp_live_xxxxxx).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        owner = User.objects.filter(username=options["user"]).first()
        if owner is None:
            raise CommandError(f"No user named {options['user']!r}.")
        days = options["expires_in_days"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            api_key, raw = api_key_create(
                owner=owner, name=options["name"], scopes=options["scopes"], expires_at=expires_at
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
        self.stderr.write(f"Created {api_key.name} ({api_key.prefix}…). Store the key now: it is not shown again.")

    def _list(self, options: dict[str, Any]) -> None:
        keys = ApiKey.objects.select_related("user").order_by("-created_at")
        if options["user"]:
            keys = keys.filter(user__username=options["user"])
        for key in keys:
            status = "revoked" if key.is_revoked else "expired" if key.is_expired else "active"
            used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
            scopes = ",".join(key.scopes)
            self.stdout.write(
                f"{key.id}  {key.prefix}…  {status:8} {key.user.username:16} {scopes:45} used {used}  {key.name}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        wanted = options["key"]
        matches = ApiKey.objects.filter(Q(prefix=wanted) | Q(pk=wanted) if _is_uuid(wanted) else Q(prefix=wanted))
        if matches.count() != 1:
            raise CommandError(f"{matches.count()} keys match {wanted!r}; give the id.")
        key = api_key_revoke(api_key=matches.get())
        self.stdout.write(f"Revoked {key.name} ({key.prefix}…).")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
