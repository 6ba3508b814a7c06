"""Signal receivers that turn other apps' happenings into metrics."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.workflows.metrics import WORKFLOW_RUNS


def count_finished_run(sender: Any, run: Any, **kwargs: Any) -> None:
    """``run_finished`` is sent inside the run's final transaction: count once it commits."""
    status = str(run.status)
    transaction.on_commit(lambda: WORKFLOW_RUNS.labels(status=status).inc())
