"""Runs on real Celery workers (issue 5 point 3): parallel steps, and a worker killed with
SIGKILL in the middle of a step whose run still completes with every step done once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.scopes import READ, WRITE
from apps.agents.models import Agent
from apps.events.models import Event
from apps.services.invocation import forget_availability
from apps.services.models import ServiceInvocation
from apps.services.services import catalog_sync
from apps.workflows.models import RunStatus, StepStatus, WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tasks import recover_steps
from apps.workflows.tests.support import service_step, steps_of
from storyportal.celery import app
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

QUEUE = "workflow-tests"
EXTRA = "tests.support.slow_services"
WORKER_ENV = {"SERVICE_CATALOG_EXTRA_MODULES": EXTRA, "WORKFLOW_STEP_RECOVERY_SECONDS": "1"}


@pytest.fixture
def own_queue(settings) -> Iterator[None]:
    """Tasks this test sends go to a queue only its own workers read."""
    settings.SERVICE_CATALOG_EXTRA_MODULES = [EXTRA]
    catalog_sync()
    forget_availability()
    before = app.conf.task_default_queue
    app.conf.task_default_queue = QUEUE
    yield
    app.conf.task_default_queue = before


def _wait_for(run: WorkflowRun, predicate: Any, timeout: float = 60) -> WorkflowRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if predicate(run):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.status}: {[(s.step_id, s.status) for s in run.steps.all()]}")


def test_a_run_completes_on_a_worker(own_queue, operator_user) -> None:
    workflow = workflow_create(
        name="fan-out",
        steps=[
            *(service_step(f"s{i}", "RouteTable", "routes") for i in range(3)),
            {**service_step("join", "AgentRegistry", "list"), "depends_on": ["s0", "s1", "s2"]},
        ],
    )
    with celery_worker("wf-a", queue=QUEUE, extra_env=WORKER_ENV):
        run = run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({READ, WRITE}))
        run = _wait_for(run, lambda r: r.finished)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.progress == 100
    assert all(step.status == StepStatus.SUCCEEDED for step in run.steps.all())


def test_a_worker_killed_mid_step_does_not_run_the_step_twice(own_queue, operator_user) -> None:
    workflow = workflow_create(
        name="survives",
        steps=[
            service_step("slow", "TestProbe", "slow_create", {"name": "made-once", "seconds": 4}),
            {
                **service_step("next", "AgentRegistry", "create", {"name": "after", "layer": "L01"}),
                "depends_on": ["slow"],
            },
        ],
    )
    with celery_worker("wf-doomed", queue=QUEUE, extra_env=WORKER_ENV) as doomed:
        run = run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({READ, WRITE}))
        _wait_for(run, lambda r: r.steps.get(step_id="slow").status == StepStatus.RUNNING, timeout=30)
        time.sleep(1.0)  # inside pg_sleep, the agent created but not committed
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
    connection.close()  # the test's own connection saw nothing of the dead transaction anyway
    assert not Agent.objects.filter(name="made-once").exists()
    with celery_worker("wf-rescuer", queue=QUEUE, extra_env=WORKER_ENV):
        deadline = time.monotonic() + 60
        while not run.finished and time.monotonic() < deadline:
            recover_steps.delay()  # what beat sends every 15 s
            time.sleep(1.5)
            run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    slow = steps_of(run)["slow"]
    assert (slow.attempts, slow.recoveries) == (1, 1)
    assert Agent.objects.filter(name="made-once").count() == 1
    assert Agent.objects.filter(name="after").count() == 1
    created = Event.objects.filter(event_type="AgentCreated", payload__name="made-once")
    assert created.count() == 1
    calls = ServiceInvocation.objects.filter(service_name="TestProbe", method="slow_create")
    assert list(calls.values_list("status", flat=True)) == ["succeeded"]
