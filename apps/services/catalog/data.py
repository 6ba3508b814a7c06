"""L01 EventStore and SessionStore."""

from __future__ import annotations

from typing import Any

from apps.accounts import services as account_services
from apps.accounts.models import ApiSession
from apps.accounts.scopes import ADMIN
from apps.events.api.serializers import EventSerializer
from apps.events.selectors import ADMIN_ONLY_AGGREGATES, event_list, events_of
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

EVENTS = obj({"events": {"type": "array", "items": {"type": "object"}}}, "events")
SESSION = obj({"id": UUID, "data": {"type": "object"}, "expires_at": {"type": "string"}}, "id", "data", "expires_at")


@service(
    name="EventStore", layer="L01", description="Read the event store: an aggregate's stream or the latest events."
)
class EventStore:
    @method(
        description="The events of one aggregate in sequence order.",
        params=obj({"aggregate_id": UUID, "limit": LIMIT}, "aggregate_id"),
        result=EVENTS,
    )
    def read_stream(self, caller: Caller, aggregate_id: str, limit: int = 20) -> dict[str, Any]:
        events = events_of(aggregate_id=aggregate_id)
        if ADMIN not in caller.scopes:
            events = events.exclude(aggregate_type__in=ADMIN_ONLY_AGGREGATES)
        return {"events": EventSerializer(events[:limit], many=True).data}

    @method(
        description="The latest events, optionally of one type.",
        params=obj({"event_type": {"type": "string", "maxLength": 64}, "limit": LIMIT}),
        result=EVENTS,
    )
    def recent(self, caller: Caller, event_type: str | None = None, limit: int = 20) -> dict[str, Any]:
        events = event_list(include_account_events=ADMIN in caller.scopes)
        if event_type:
            events = events.filter(event_type=event_type)
        return {"events": EventSerializer(events[:limit], many=True).data}


def _session(session: ApiSession) -> dict[str, Any]:
    return {"id": str(session.id), "data": session.data, "expires_at": session.expires_at.isoformat()}


def _own_session(caller: Caller, session_id: str) -> ApiSession:
    session = ApiSession.objects.filter(pk=session_id, user_id=caller.user.pk).first()
    if session is None:
        raise MethodError(404, f"You have no session {session_id}.")
    return session


@service(
    name="SessionStore",
    layer="L01",
    description="Keep state between calls: Redis sessions with a 1 h TTL.",
    dependencies=("postgres", "redis"),
)
class SessionStore:
    @method(
        description="Start a session holding data.",
        params=obj({"data": {"type": "object"}}),
        result=SESSION,
        writes=True,
    )
    def create(self, caller: Caller, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return _session(account_services.session_create(user=caller.user, data=data or {}))

    @method(description="Read one of your sessions (renews its hour).", params=obj({"id": UUID}, "id"), result=SESSION)
    def get(self, caller: Caller, id: str) -> dict[str, Any]:
        return _session(account_services.session_touch(session=_own_session(caller, id)))

    @method(
        description="End one of your sessions.",
        params=obj({"id": UUID}, "id"),
        result=obj({"deleted": {"type": "boolean"}}),
        writes=True,
    )
    def delete(self, caller: Caller, id: str) -> dict[str, Any]:
        account_services.session_delete(session=_own_session(caller, id))
        return {"deleted": True}
