"""Prometheus metrics of the workflow engine (served by ``/metrics``). Steps run on Celery
workers: their samples reach a scrape when the web and worker processes share
``PROMETHEUS_MULTIPROC_DIR`` (see docs/MONITORING.md)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

WORKFLOW_RUNS = Counter("storyportal_workflow_runs_total", "Workflow runs that finished, by outcome.", ["status"])
STEP_DURATION = Histogram(
    "storyportal_workflow_step_duration_seconds",
    "Time one attempt of a workflow step took, by step kind and outcome.",
    ["kind", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
# StepSucceeded -> succeeded: the outcome label is one of three fixed words.
OUTCOMES = {"StepSucceeded": "succeeded", "StepRetrying": "retrying", "StepFailed": "failed"}


def step_observe(*, kind: str, event_type: str, duration_ms: float | None) -> None:
    """One finished attempt of a step (called once its outcome has committed)."""
    outcome = OUTCOMES.get(event_type, "other")
    STEP_DURATION.labels(kind=kind, outcome=outcome).observe((duration_ms or 0.0) / 1000)
