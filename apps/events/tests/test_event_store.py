"""The event store (spec 3.2): gap-free sequences under concurrency, same-transaction append,
publish after commit, and ``events/`` over the API."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test import Client

from apps.events.models import Event
from apps.events.services import event_append
from storyportal import kv
from tests.support.api import assert_envelope


def _append(aggregate_id: uuid.UUID, n: int = 0, event_type: str = "AgentUpdated") -> Event:
    return event_append(aggregate_type="Agent", aggregate_id=aggregate_id, event_type=event_type, payload={"n": n})


@pytest.mark.django_db
def test_sequence_numbers_count_per_aggregate() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert [_append(a).sequence_number for _ in range(3)] == [1, 2, 3]
    assert _append(b).sequence_number == 1
    assert _append(a).sequence_number == 4


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_get_unique_gap_free_numbers() -> None:
    aggregate = uuid.uuid4()
    start = threading.Barrier(8)

    def writer(worker: int) -> list[int]:
        start.wait()
        try:
            numbers = []
            for i in range(10):
                with transaction.atomic():
                    numbers.append(_append(aggregate, n=worker * 100 + i).sequence_number)
            return numbers
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        handed_out = [n for numbers in pool.map(writer, range(8)) for n in numbers]
    stored = list(Event.objects.filter(aggregate_id=aggregate).values_list("sequence_number", flat=True))
    assert sorted(handed_out) == list(range(1, 81))
    assert sorted(stored) == list(range(1, 81))


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_event_and_no_gap() -> None:
    aggregate = uuid.uuid4()
    _append(aggregate)

    def failing_change() -> None:
        with transaction.atomic():
            _append(aggregate)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert _append(aggregate).sequence_number == 2
    assert Event.objects.filter(aggregate_id=aggregate).count() == 2


def _failing_update(aggregate: uuid.UUID) -> None:
    with transaction.atomic():
        _append(aggregate, event_type="AgentUpdated")
        raise RuntimeError("the change failed")


@pytest.mark.django_db(transaction=True)
def test_events_are_published_only_after_commit() -> None:
    pubsub = kv.client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("events:agent")
    aggregate = uuid.uuid4()
    try:
        with transaction.atomic():
            _append(aggregate, event_type="AgentCreated")
            assert pubsub.get_message(timeout=0.3) is None  # not while the transaction is open
        message = pubsub.get_message(timeout=5)
        with pytest.raises(RuntimeError):
            _failing_update(aggregate)
        assert pubsub.get_message(timeout=0.5) is None  # rolled back: never announced
    finally:
        pubsub.close()
    body = json.loads(message["data"])
    assert body["channel"] == "events:agent"
    assert body["type"] == "AgentCreated"
    assert body["payload"] == {"n": 0}
    assert body["aggregate_id"] == str(aggregate)
    assert body["sequence_number"] == 1


@pytest.mark.django_db
def test_metadata_carries_request_id_and_actor(client: Client, operator_user) -> None:
    client.force_login(operator_user)
    response = client.post(
        "/api/v1/sessions/", {"data": {}}, content_type="application/json", HTTP_X_REQUEST_ID="req-42"
    )
    assert response.status_code == 201
    event = Event.objects.get(event_type="SessionCreated")
    assert event.metadata == {"request_id": "req-42", "actor": "user:otto"}


@pytest.mark.django_db
def test_events_api_lists_filters_and_orders(client: Client, viewer_user) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    _append(a, event_type="AgentCreated")
    _append(a, event_type="AgentUpdated")
    _append(b, event_type="AgentCreated")
    client.force_login(viewer_user)
    body = client.get("/api/v1/events/?aggregate_type=Agent").json()
    assert body["count"] == 3
    assert set(body["results"][0]) == {
        "id", "aggregate_id", "aggregate_type", "event_type", "payload", "metadata", "timestamp", "sequence_number",
    }  # fmt: skip
    mine = client.get(f"/api/v1/events/?aggregate_id={a}&ordering=sequence_number").json()["results"]
    assert [(e["event_type"], e["sequence_number"]) for e in mine] == [("AgentCreated", 1), ("AgentUpdated", 2)]
    assert client.get("/api/v1/events/?event_type=AgentCreated").json()["count"] == 2
    assert client.get("/api/v1/events/?aggregate_type=Goal").json()["count"] == 0
    one = client.get(f"/api/v1/events/{mine[0]['id']}/").json()
    assert one["aggregate_id"] == str(a)


@pytest.mark.django_db
def test_events_api_rejects_bad_input(client: Client, viewer_user) -> None:
    client.force_login(viewer_user)
    assert_envelope(client.get("/api/v1/events/?aggregate_id=not-a-uuid"), 400)
    assert_envelope(client.get("/api/v1/events/?ordering=payload"), 400)
    assert_envelope(client.get("/api/v1/events/?since=yesterday"), 400)
    assert_envelope(client.get("/api/v1/events/?page=99"), 404)
    assert_envelope(client.get(f"/api/v1/events/{uuid.uuid4()}/"), 404)
    assert_envelope(client.post("/api/v1/events/", {}, content_type="application/json"), 403)
    assert_envelope(Client().get("/api/v1/events/"), 401)


@pytest.mark.django_db
def test_account_events_are_for_admins_only(client: Client, viewer_user, admin_user, make_key) -> None:
    make_key(viewer_user, "read:services")
    client.force_login(viewer_user)
    assert client.get("/api/v1/events/?aggregate_type=ApiKey").json()["count"] == 0
    client.force_login(admin_user)
    assert client.get("/api/v1/events/?aggregate_type=ApiKey").json()["count"] == 1


@pytest.mark.django_db
def test_page_size_is_capped_at_200(client: Client, viewer_user) -> None:
    aggregate = uuid.uuid4()
    Event.objects.bulk_create(
        Event(aggregate_id=aggregate, aggregate_type="Agent", event_type="AgentUpdated", sequence_number=i)
        for i in range(1, 206)
    )
    client.force_login(viewer_user)
    body = client.get(f"/api/v1/events/?aggregate_id={aggregate}&page_size=500").json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert "page=2" in body["next"]


@pytest.mark.django_db
def test_fast_event_representation_matches_the_generated_one() -> None:
    from rest_framework import serializers

    from apps.events.api.serializers import EventSerializer

    event = _append(uuid.uuid4(), n=7)
    event.refresh_from_db()
    generic = serializers.ModelSerializer.to_representation(EventSerializer(), event)
    assert EventSerializer(event).data == generic
