"""Who may change things from the control center: one rule for every page. Anyone logged in
may look; a write needs ``write:services``, and names its author in the events it records."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from apps.accounts.models import User
from apps.accounts.scopes import WRITE
from storyportal.api import actor
from storyportal.api.principal import caller_label


def can_write(request: HttpRequest) -> bool:
    return WRITE in cast(User, request.user).scopes  # login_required let only a real user through


def acting(request: HttpRequest, what: str) -> None:
    """Check the caller may write (403 naming ``what`` otherwise), and name them in the
    metadata of the events the write records."""
    if not can_write(request):
        raise PermissionDenied(f"{what} needs the write:services scope.")
    actor.set_current(caller_label(request))
