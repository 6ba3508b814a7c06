"""Control-center page for API keys: list, create (key shown once) and revoke."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import scopes as scope_names
from apps.accounts import selectors, services
from apps.accounts.forms import ApiKeyCreateForm
from apps.accounts.models import User
from storyportal.api.exceptions import DomainError


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required let only a real user through


def _sees_all(user: User) -> bool:
    """Admins see and revoke everyone's keys, as in the API."""
    return user.is_platform_admin or scope_names.ADMIN in user.scopes


@never_cache  # the response may carry a raw key: keep it out of every cache
@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """The caller's keys (everyone's for admins) and the form that creates one."""
    user = _user(request)
    form = ApiKeyCreateForm(request.POST if request.method == "POST" else None, held_scopes=user.scopes)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            api_key, raw = services.api_key_create(owner=user, **form.cleaned_data)
        except DomainError as error:
            form.add_service_error(error)
        else:
            # The key goes straight into this (uncached) response and nowhere else: not the
            # session, not a redirect. Reloading shows the list without it.
            new_key = {"name": api_key.name, "key": raw}
            messages.success(request, f"API key “{api_key.name}” created.")
            form = ApiKeyCreateForm(None, held_scopes=user.scopes)
    context = {
        "form": form,
        "new_key": new_key,
        "keys": selectors.api_key_list(owner=user, include_all=_sees_all(user)),
        "show_owner": _sees_all(user),
        "role": user.get_role_display(),
    }
    return render(request, "accounts/api_keys.html", context)


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, key_id: UUID) -> HttpResponse:
    """Revoke a key the caller may see; any other id is a 404, so ids of others' keys leak nothing."""
    user = _user(request)
    api_key = get_object_or_404(selectors.api_key_list(owner=user, include_all=_sees_all(user)), pk=key_id)
    if api_key.is_revoked:
        messages.info(request, f"API key “{api_key.name}” was already revoked.")
    else:
        services.api_key_revoke(api_key=api_key)
        messages.success(request, f"API key “{api_key.name}” revoked. It no longer authenticates.")
    return redirect("api-keys")
