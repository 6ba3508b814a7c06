"""API sessions (spec 3.3): Redis ``session:{id}`` with a 1 h TTL renewed on use, backed by a
row in ``sessions`` so a Redis restart loses nothing that has not expired."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiSession, User
from apps.events.services import event_append
from storyportal import kv, redis_keys
from storyportal.api.exceptions import DomainError

TTL = redis_keys.SESSION.ttl or 3600
# Sessions live in Redis next to the authentication caches and throttles: keep them small.
MAX_LIVE_SESSIONS = 100
MAX_DATA_BYTES = 64 * 1024


class SessionExpired(DomainError):
    status_code = 404
    code = "session_expired"


def _cache(session: ApiSession) -> None:
    """Redis gets the new copy once the row is committed; until then readers use the row."""
    key = redis_keys.SESSION.key(session_id=session.id)
    value = {"id": str(session.id), "user_id": session.user_id, "data": session.data}
    kv.delete(key)
    transaction.on_commit(lambda: kv.set_json(redis_keys.SESSION, key, value, ttl=TTL))


def _expiry() -> Any:
    return timezone.now() + timedelta(seconds=TTL)


class SessionTooLarge(DomainError):
    code = "invalid_request"


def _check_size(data: dict[str, Any]) -> None:
    size = len(json.dumps(data, default=str))
    if size > MAX_DATA_BYTES:
        raise SessionTooLarge(
            f"Session data is {size} bytes; the limit is {MAX_DATA_BYTES}.",
            details={"data": [f"At most {MAX_DATA_BYTES} bytes."]},
        )


class TooManySessions(DomainError):
    status_code = 409
    code = "too_many_sessions"


@transaction.atomic
def session_create(*, user: User, data: dict[str, Any]) -> ApiSession:
    """A new session for ``user``, at most ``MAX_LIVE_SESSIONS`` live ones each."""
    _check_size(data)
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise one user's creates
    live = ApiSession.objects.filter(user=user, expires_at__gt=timezone.now()).count()
    if live >= MAX_LIVE_SESSIONS:
        raise TooManySessions(f"You have {live} live sessions; delete one or let one expire first.")
    session = ApiSession.objects.create(user=user, data=data, expires_at=_expiry())
    event_append(
        aggregate_type="Session", aggregate_id=session.id, event_type="SessionCreated", payload={"user": user.username}
    )
    _cache(session)
    return session


@transaction.atomic
def session_touch(*, session: ApiSession) -> ApiSession:
    """Use of a session renews its hour. The data comes from Redis when it has it (the
    fast copy), else from the row, which then refills Redis."""
    # The row may have been deleted since the view loaded it: that is a 404, not a crash.
    locked = ApiSession.objects.select_for_update().filter(pk=session.pk).first()
    if locked is None:
        raise SessionExpired("The session no longer exists.")
    if locked.expires_at <= timezone.now():
        raise SessionExpired("The session has expired.")
    cached = kv.get_json(redis_keys.SESSION.key(session_id=locked.id))
    if cached is not None:
        locked.data = cached["data"]
    locked.expires_at = _expiry()
    locked.save(update_fields=["expires_at", "updated_at"])
    _cache(locked)
    return locked


@transaction.atomic
def session_update(*, session: ApiSession, data: dict[str, Any], merge: bool) -> ApiSession:
    """Replace the session's data (PUT) or merge top-level keys into it (PATCH)."""
    locked = session_touch(session=session)
    locked.data = {**locked.data, **data} if merge else data
    _check_size(locked.data)
    locked.save(update_fields=["data", "updated_at"])
    _cache(locked)
    return locked


def sessions_purge_expired(*, grace: timedelta = timedelta(days=1)) -> int:
    """Delete session rows that expired more than ``grace`` ago (their Redis copies are long
    gone by TTL). Returns how many were deleted."""
    deleted, _ = ApiSession.objects.filter(expires_at__lt=timezone.now() - grace).delete()
    return deleted


@transaction.atomic
def session_delete(*, session: ApiSession) -> None:
    key = redis_keys.SESSION.key(session_id=session.id)
    event_append(
        aggregate_type="Session",
        aggregate_id=session.id,
        event_type="SessionEnded",
        payload={"user": session.user.username},
    )
    session.delete()
    transaction.on_commit(lambda: kv.delete(key))
