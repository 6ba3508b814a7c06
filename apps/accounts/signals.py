"""Keeping the authentication caches true after any write (services, admin, shell).

Writers refresh the cached copy *after* their transaction commits, with a plain SET; readers
fill the cache with SET NX. So a reader that loaded the old row just before the commit can
never overwrite what the writer stored: a deactivated user or a revoked key is refused on the
very next request.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.accounts import selectors
from apps.accounts.models import ApiKey, User
from storyportal import kv, redis_keys

DIGEST_PREFIX = "sha256:"


def user_cache_refresh(user_id: int) -> None:
    key = redis_keys.USER.key(user_id=user_id)
    kv.delete(key)  # readers inside this transaction see the change at once

    def refresh() -> None:
        values = selectors.user_cache_values(user_id)
        if values is None:
            kv.delete(key)
        else:
            kv.set_json(redis_keys.USER, key, values)

    transaction.on_commit(refresh, robust=True)  # a Redis blip must not fail a committed change


def api_key_cache_refresh(api_key: ApiKey) -> None:
    key = redis_keys.API_KEY.key(key_hash=api_key.key_hash)
    kv.delete(key)

    def refresh() -> None:
        row = ApiKey.objects.filter(pk=api_key.pk).first()
        if row is None:
            kv.delete(key)
        else:
            kv.set_json(redis_keys.API_KEY, key, selectors.api_key_record_of(row).to_json())

    transaction.on_commit(refresh, robust=True)  # a Redis blip must not fail a committed change


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts.user_cache")
def _user_changed(sender: type[User], instance: User, **kwargs: Any) -> None:
    user_cache_refresh(instance.pk)


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="accounts.api_key_cache")
def _api_key_changed(sender: type[ApiKey], instance: ApiKey, **kwargs: Any) -> None:
    api_key_cache_refresh(instance)


@receiver(pre_save, sender=OutstandingToken, dispatch_uid="accounts.outstanding_token_digest")
def _store_refresh_token_digest(sender: type[OutstandingToken], instance: OutstandingToken, **kwargs: Any) -> None:
    """simplejwt keeps every refresh token it issues to blacklist it later, by its ``jti``.
    The token itself would let a database reader mint access tokens, so only a digest stays."""
    if instance.token and not instance.token.startswith(DIGEST_PREFIX):
        instance.token = DIGEST_PREFIX + hashlib.sha256(instance.token.encode()).hexdigest()
