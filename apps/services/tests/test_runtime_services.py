"""KeyValueStore, LockManager, QueueMonitor and JobRunner through ``POST services/invoke/``,
against the real Redis, broker and (where it matters) a real Celery worker."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apps.agents.models import Agent
from apps.services import keyvalue
from apps.services.invocation import forget_availability
from apps.services.jobs import job_run
from apps.services.models import JobStatus, ServiceInvocation, ServiceJob
from apps.services.services import catalog_sync
from apps.services.tasks import run_job
from storyportal import kv
from storyportal.celery import app
from tests.support.api import assert_envelope, send
from tests.support.worker import celery_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None) -> Any:
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


# --- KeyValueStore ---------------------------------------------------------------------------


def test_values_round_trip_with_their_ttl(operator_client: Client, operator_user) -> None:
    value = {"plan": ["fetch", "summarise"], "attempt": 2, "done": False, "note": "café"}
    stored = _result(_invoke(operator_client, "KeyValueStore", "set", {"key": "agent.7:plan", "value": value}))
    assert stored == {"key": "agent.7:plan", "ttl_seconds": 3600, "keys": 1}
    got = _result(_invoke(operator_client, "KeyValueStore", "get", {"key": "agent.7:plan"}))
    assert got["value"] == value
    assert 3590 <= got["ttl_seconds"] <= 3600
    assert 0 < kv.client().ttl(f"kv:{operator_user.pk}:agent.7:plan") <= 3600
    again = {"key": "agent.7:plan", "value": None, "ttl_seconds": 60}
    assert _result(_invoke(operator_client, "KeyValueStore", "set", again))["keys"] == 1  # overwritten, not added
    assert _result(_invoke(operator_client, "KeyValueStore", "get", {"key": "agent.7:plan"}))["value"] is None
    deleted = _result(_invoke(operator_client, "KeyValueStore", "delete", {"key": "agent.7:plan"}))
    assert deleted == {"key": "agent.7:plan", "deleted": True}
    assert_envelope(_invoke(operator_client, "KeyValueStore", "get", {"key": "agent.7:plan"}), 404, "not_found")
    assert_envelope(_invoke(operator_client, "KeyValueStore", "delete", {"key": "agent.7:plan"}), 404)


def test_keys_are_listed_by_prefix_and_private_to_their_user(
    operator_client: Client, viewer_client: Client, operator_user
) -> None:
    for key, ttl in (("run:b", 100), ("run:a", 200), ("other", 300)):
        _result(_invoke(operator_client, "KeyValueStore", "set", {"key": key, "value": 1, "ttl_seconds": ttl}))
    listed = _result(_invoke(operator_client, "KeyValueStore", "keys", {"prefix": "run:"}))
    assert listed["count"] == 2
    assert [k["key"] for k in listed["keys"]] == ["run:a", "run:b"]
    ttl_a, ttl_b = (k["ttl_seconds"] for k in listed["keys"])
    assert (195 <= ttl_a <= 200, 95 <= ttl_b <= 100) == (True, True)
    assert _result(_invoke(operator_client, "KeyValueStore", "keys", {"limit": 1}))["count"] == 3
    assert len(_result(_invoke(operator_client, "KeyValueStore", "keys", {"limit": 1}))["keys"]) == 1
    # the viewer sees none of them, and cannot reach them by key
    assert _result(_invoke(viewer_client, "KeyValueStore", "keys")) == {"count": 0, "keys": []}
    assert_envelope(_invoke(viewer_client, "KeyValueStore", "get", {"key": "run:a"}), 404)
    assert kv.client().zcard(f"kv-index:{operator_user.pk}") == 3


def test_the_key_cap_is_409_and_expired_keys_free_their_place(operator_client: Client, monkeypatch) -> None:
    monkeypatch.setattr(keyvalue, "MAX_KEYS", 2)
    _result(_invoke(operator_client, "KeyValueStore", "set", {"key": "short", "value": 1, "ttl_seconds": 1}))
    _result(_invoke(operator_client, "KeyValueStore", "set", {"key": "long", "value": 2}))
    refused = assert_envelope(_invoke(operator_client, "KeyValueStore", "set", {"key": "third", "value": 3}), 409)
    assert "2 keys" in refused["message"]
    assert _result(_invoke(operator_client, "KeyValueStore", "set", {"key": "long", "value": 4}))["keys"] == 2
    time.sleep(1.1)
    assert _result(_invoke(operator_client, "KeyValueStore", "keys"))["count"] == 1
    assert _result(_invoke(operator_client, "KeyValueStore", "set", {"key": "third", "value": 3}))["keys"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"key": "has space", "value": 1}, "key"),
        ({"key": "", "value": 1}, "key"),
        ({"key": "k" * 201, "value": 1}, "key"),
        ({"key": "k"}, "params"),
        ({"key": "k", "value": 1, "ttl_seconds": 0}, "ttl_seconds"),
        ({"key": "k", "value": 1, "ttl_seconds": 2_592_001}, "ttl_seconds"),
        ({"key": "k", "value": 1, "extra": True}, "params"),
    ],
)
def test_bad_set_params_are_400(operator_client: Client, params: dict, field: str) -> None:
    body = assert_envelope(_invoke(operator_client, "KeyValueStore", "set", params), 400, "invalid_request")
    assert field in body["details"]


def test_values_over_64_kib_are_400(operator_client: Client) -> None:
    fits = {"key": "big", "value": "x" * (64 * 1024 - 2)}  # with its quotes: exactly 64 KiB
    assert _result(_invoke(operator_client, "KeyValueStore", "set", fits))["keys"] == 1
    body = assert_envelope(_invoke(operator_client, "KeyValueStore", "set", {**fits, "value": "x" * 64 * 1024}), 400)
    assert "value" in body["details"]


def test_writing_values_needs_write_scope(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "KeyValueStore", "set", {"key": "k", "value": 1}), 403, "permission_denied")
    assert_envelope(_invoke(viewer_client, "KeyValueStore", "delete", {"key": "k"}), 403)
    assert_envelope(_invoke(Client(), "KeyValueStore", "keys"), 401)


# --- LockManager -----------------------------------------------------------------------------


def test_a_lock_has_one_holder_at_a_time(operator_client: Client, staff_client: Client) -> None:
    taken = _result(_invoke(operator_client, "LockManager", "acquire", {"name": "deploy:prod", "ttl_seconds": 60}))
    token = taken["token"]
    assert (taken["name"], taken["ttl_seconds"], len(token) > 20) == ("deploy:prod", 60, True)
    assert kv.client().get("lock:hub:deploy:prod") == token.encode()
    held = assert_envelope(
        _invoke(staff_client, "LockManager", "acquire", {"name": "deploy:prod", "ttl_seconds": 5}), 409, "conflict"
    )
    assert 59 <= held["details"]["ttl_seconds"] <= 60
    status = _result(_invoke(staff_client, "LockManager", "status", {"name": "deploy:prod"}))
    assert status["held"] is True
    assert 59 <= status["ttl_seconds"] <= 60
    # only the holder's token releases or extends it
    wrong = {"name": "deploy:prod", "token": "not-the-token"}
    assert_envelope(_invoke(staff_client, "LockManager", "release", wrong), 409, "conflict")
    assert_envelope(_invoke(staff_client, "LockManager", "extend", {**wrong, "ttl_seconds": 600}), 409)
    extended = _result(
        _invoke(operator_client, "LockManager", "extend", {"name": "deploy:prod", "token": token, "ttl_seconds": 600})
    )
    assert extended == {"name": "deploy:prod", "held": True, "ttl_seconds": 600}
    assert kv.client().ttl("lock:hub:deploy:prod") > 590
    released = _result(_invoke(operator_client, "LockManager", "release", {"name": "deploy:prod", "token": token}))
    assert released == {"name": "deploy:prod", "held": False, "ttl_seconds": None}
    assert _result(_invoke(staff_client, "LockManager", "status", {"name": "deploy:prod"}))["held"] is False
    assert_envelope(_invoke(operator_client, "LockManager", "release", {"name": "deploy:prod", "token": token}), 404)
    gone = {"name": "deploy:prod", "token": token, "ttl_seconds": 5}
    assert_envelope(_invoke(operator_client, "LockManager", "extend", gone), 404, "not_found")


def test_an_expired_lock_can_be_taken_and_its_old_token_is_useless(
    operator_client: Client, staff_client: Client
) -> None:
    old = _result(_invoke(operator_client, "LockManager", "acquire", {"name": "batch", "ttl_seconds": 1}))["token"]
    time.sleep(1.1)
    new = _result(_invoke(staff_client, "LockManager", "acquire", {"name": "batch", "ttl_seconds": 30}))["token"]
    assert new != old
    assert_envelope(_invoke(operator_client, "LockManager", "release", {"name": "batch", "token": old}), 409)
    assert _result(_invoke(operator_client, "LockManager", "status", {"name": "batch"}))["held"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"name": "x", "ttl_seconds": 0},
        {"name": "x", "ttl_seconds": 3601},
        {"name": "bad name", "ttl_seconds": 5},
        {"name": "x"},
    ],
)
def test_bad_lock_params_are_400(operator_client: Client, params: dict) -> None:
    assert_envelope(_invoke(operator_client, "LockManager", "acquire", params), 400, "invalid_request")


def test_locks_need_write_scope_but_anyone_reading_sees_their_status(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "LockManager", "acquire", {"name": "x", "ttl_seconds": 5}), 403)
    assert_envelope(_invoke(viewer_client, "LockManager", "release", {"name": "x", "token": "t"}), 403)
    assert_envelope(_invoke(viewer_client, "LockManager", "extend", {"name": "x", "token": "t", "ttl_seconds": 5}), 403)
    assert _result(_invoke(viewer_client, "LockManager", "status", {"name": "x"})) == {
        "name": "x",
        "held": False,
        "ttl_seconds": None,
    }


# --- QueueMonitor ----------------------------------------------------------------------------

MONITORED = "queue-monitor-tests"


@pytest.fixture
def monitored_queue() -> Iterator[str]:
    """Tasks go to a queue of their own, which only this test's worker reads."""
    before = app.conf.task_default_queue
    app.conf.task_default_queue = MONITORED
    yield MONITORED
    app.conf.task_default_queue = before
    with app.connection_for_write() as connection:
        connection.default_channel.client.delete(MONITORED)


@pytest.mark.slow
def test_queue_depths_and_workers_follow_a_real_worker(viewer_client: Client, monitored_queue: str) -> None:
    for _ in range(3):
        run_job.delay(str(uuid.uuid4()))  # a job nobody submitted: the worker claims nothing
    depths = _result(_invoke(viewer_client, "QueueMonitor", "depths"))
    assert depths["queues"][monitored_queue] == 3
    assert depths["total"] >= 3
    name = f"queue-monitor@{socket.gethostname()}"
    with celery_worker("queue-monitor", queue=monitored_queue):
        assert name in _result(_invoke(viewer_client, "QueueMonitor", "workers"))["workers"]
        deadline = time.monotonic() + 30
        while _result(_invoke(viewer_client, "QueueMonitor", "depths"))["queues"][monitored_queue]:
            assert time.monotonic() < deadline, "the worker did not drain its queue"
            time.sleep(0.2)
    after = _result(_invoke(viewer_client, "QueueMonitor", "workers", {"timeout_seconds": 0.3}))
    assert name not in after["workers"]
    assert after["count"] == len(after["workers"])


def test_queue_monitor_params_and_a_broker_that_is_down(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "QueueMonitor", "workers", {"timeout_seconds": 10}), 400)
    assert_envelope(_invoke(viewer_client, "QueueMonitor", "depths", {"queue": "celery"}), 400)
    before = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    try:
        body = assert_envelope(_invoke(viewer_client, "QueueMonitor", "depths"), 503, "service_unavailable")
    finally:
        app.conf.broker_url = before
    assert "broker" in body["message"]
    # refused params never reach the method; the broker's failure is a recorded call
    assert ServiceInvocation.objects.filter(service_name="QueueMonitor", status="failed").count() == 1


# --- JobRunner -------------------------------------------------------------------------------

CREATE = {"service_name": "AgentRegistry", "method": "create", "params": {"name": "by-job", "layer": "L02"}}


def test_submit_checks_the_call_before_queueing_it(operator_client: Client, viewer_client: Client) -> None:
    itself = {**CREATE, "service_name": "JobRunner", "method": "list"}
    assert_envelope(_invoke(operator_client, "JobRunner", "submit", itself), 400, "invalid_request")
    assert_envelope(_invoke(operator_client, "JobRunner", "submit", {**CREATE, "params": {"name": "x"}}), 400)
    assert_envelope(_invoke(operator_client, "JobRunner", "submit", {"method": "create"}), 400)
    assert_envelope(_invoke(operator_client, "JobRunner", "submit", {**CREATE, "service_name": "Nope"}), 404)
    assert_envelope(_invoke(operator_client, "JobRunner", "submit", {**CREATE, "method": "explode"}), 404)
    needs_admin = {"service_name": "UserDirectory", "method": "find", "params": {}}
    assert (
        "admin:platform"
        in assert_envelope(_invoke(operator_client, "JobRunner", "submit", needs_admin), 403)["message"]
    )
    assert_envelope(_invoke(viewer_client, "JobRunner", "submit", CREATE), 403, "permission_denied")
    assert not ServiceJob.objects.exists()


def test_jobs_are_seen_by_their_owner_and_admins(
    operator_client: Client, viewer_client: Client, staff_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as sent:  # captured, not run: no worker here
        job = _result(_invoke(operator_client, "JobRunner", "submit", CREATE))
    assert [f for f in sent if f.__qualname__.startswith("job_submit")]  # the task, sent after commit
    assert (job["status"], job["service_name"], job["method"], job["submitted_by"]) == (
        "queued",
        "AgentRegistry",
        "create",
        "otto",
    )
    row = ServiceJob.objects.get(pk=job["id"])
    assert (row.params, row.scopes) == (CREATE["params"], ["read:services", "write:services"])
    assert _result(_invoke(operator_client, "JobRunner", "status", {"job_id": job["id"]}))["status"] == "queued"
    assert _result(_invoke(staff_client, "JobRunner", "status", {"job_id": job["id"]}))["id"] == job["id"]
    assert_envelope(_invoke(viewer_client, "JobRunner", "status", {"job_id": job["id"]}), 404, "not_found")
    assert_envelope(_invoke(operator_client, "JobRunner", "status", {"job_id": str(uuid.uuid4())}), 404)
    assert_envelope(_invoke(operator_client, "JobRunner", "status", {"job_id": "nope"}), 400)
    assert _result(_invoke(viewer_client, "JobRunner", "list")) == {"count": 0, "jobs": []}
    mine = _result(_invoke(operator_client, "JobRunner", "list", {"status": "queued"}))
    assert [j["id"] for j in mine["jobs"]] == [job["id"]]
    assert "result" not in mine["jobs"][0]
    assert _result(_invoke(staff_client, "JobRunner", "list", {"status": "succeeded"}))["count"] == 0
    assert_envelope(_invoke(staff_client, "JobRunner", "list", {"status": "lost"}), 400)


def test_a_job_runs_once_with_no_more_than_its_users_current_scopes(operator_client: Client, operator_user) -> None:
    first = _result(_invoke(operator_client, "JobRunner", "submit", CREATE))
    second = _result(
        _invoke(operator_client, "JobRunner", "submit", {**CREATE, "params": {"name": "b", "layer": "L01"}})
    )
    assert job_run(first["id"]) == JobStatus.SUCCEEDED
    assert job_run(first["id"]) is None  # a second delivery finds it claimed
    operator_user.role = "viewer"
    operator_user.save()
    assert job_run(second["id"]) == JobStatus.FAILED
    failed = ServiceJob.objects.get(pk=second["id"])
    assert (failed.error_status, "write:services" in failed.error) == (403, True)
    assert list(Agent.objects.values_list("name", flat=True)) == ["by-job"]


def test_jobs_are_read_only_in_the_admin(operator_client: Client, staff_client: Client) -> None:
    job = _result(_invoke(operator_client, "JobRunner", "submit", CREATE))
    listed = staff_client.get("/admin/services/servicejob/", {"status__exact": "queued"}).content.decode()
    assert "AgentRegistry" in listed
    assert staff_client.get("/admin/services/servicejob/add/").status_code == 403
    detail = staff_client.get(f"/admin/services/servicejob/{job['id']}/change/")
    assert detail.status_code == 200
    assert b'name="params"' not in detail.content
    assert staff_client.post(f"/admin/services/servicejob/{job['id']}/delete/", {"post": "yes"}).status_code == 403


@pytest.fixture
def job_queue() -> Iterator[str]:
    """A committed catalog, and tasks on a queue only this test's worker reads."""
    catalog_sync()
    forget_availability()
    before = app.conf.task_default_queue
    app.conf.task_default_queue = "job-runner-tests"
    yield "job-runner-tests"
    app.conf.task_default_queue = before


def _wait(job_id: str, timeout: float = 30) -> ServiceJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ServiceJob.objects.get(pk=job_id)
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} is still {job.status}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_jobs_run_on_a_real_worker(job_queue: str, operator_user) -> None:
    client = Client()
    client.force_login(operator_user)
    missing = {"service_name": "AgentRuntime", "method": "activate", "params": {"id": str(uuid.uuid4())}}
    with celery_worker("job-runner", queue=job_queue):
        made = _wait(_result(_invoke(client, "JobRunner", "submit", CREATE))["id"])
        failed = _wait(_result(_invoke(client, "JobRunner", "submit", missing))["id"])
    assert made.status == JobStatus.SUCCEEDED, made.error
    assert made.result["name"] == "by-job"
    assert made.started_at <= made.finished_at
    assert Agent.objects.get(name="by-job").status == "registered"
    call = ServiceInvocation.objects.get(pk=made.invocation_id)
    assert (call.service_name, call.method, call.status, call.caller) == (
        "AgentRegistry",
        "create",
        "succeeded",
        "user:otto",
    )
    assert (failed.status, failed.error_status, failed.invocation_id) == (JobStatus.FAILED, 404, None)
    shown = _result(_invoke(client, "JobRunner", "status", {"job_id": str(made.id)}))
    assert (shown["status"], shown["result"]["name"], shown["invocation_id"]) == (
        "succeeded",
        "by-job",
        str(made.invocation_id),
    )


def test_jobs_refuse_secret_results_and_workflow_callers(operator_client: Client, operator_user) -> None:
    minting = {"service_name": "LockManager", "method": "acquire", "params": {"name": "x", "ttl_seconds": 5}}
    refused = assert_envelope(_invoke(operator_client, "JobRunner", "submit", minting), 400, "invalid_request")
    assert "secret shown once" in refused["message"]
    from apps.services.jobs import job_submit, without_secrets
    from apps.services.registry import Caller, MethodError

    run_caller = Caller(user=operator_user, scopes=operator_user.scopes, client="workflow-run:123")
    approve = {"run_id": "00000000-0000-0000-0000-000000000000", "step_id": "gate"}
    with pytest.raises(MethodError) as caught:
        job_submit(caller=run_caller, service_name="ApprovalService", method_name="approve", params=approve)
    assert caught.value.status == 403
    stored = without_secrets({"headers": {"Authorization": "Bearer abc"}, "items": [{"api_key": "k", "n": 1}]})
    assert stored == {"headers": {"Authorization": "[redacted]"}, "items": [{"api_key": "[redacted]", "n": 1}]}


def test_a_job_whose_worker_died_is_failed_after_its_time_limit(operator_user) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.services.jobs import LOST_AFTER_SECONDS, jobs_expire

    started = timezone.now() - timedelta(seconds=30 + LOST_AFTER_SECONDS + 5)  # ServiceCatalog.list: 30 s
    job = {"user": operator_user, "service_name": "ServiceCatalog", "method": "list", "params": {},
           "scopes": ["read:services"], "status": JobStatus.RUNNING}  # fmt: skip
    lost = ServiceJob.objects.create(**job, started_at=started)
    busy = ServiceJob.objects.create(**job, started_at=timezone.now())
    assert jobs_expire() == 1
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, lost.error_status) == (JobStatus.FAILED, 500)
    assert "stopped" in lost.error
    assert busy.status == JobStatus.RUNNING
    assert jobs_expire() == 0
