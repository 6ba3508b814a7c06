"""Workflow throughput benchmark (issue 5): completed runs per second and end-to-end latency
(execute -> succeeded) for a 1-step no-op workflow and a 5-step chain, on real Celery workers.

    .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.workflows [--runs 200]

Uses a scratch test database (like bench/services.py) and the launcher's Redis; starts
``--workers`` worker processes (prefork, ``--concurrency`` each) on a queue of its own. Runs
are submitted as fast as one client can, then the clock stops when the last one finishes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUEUE = "bench-workflows"
CLIENTS = 8


def _workers(count: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    from tests.support.worker import test_database_url

    env = os.environ | {
        "DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "storyportal.settings.test",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE, "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    procs = []
    for i in range(count):
        argv = [sys.executable, "-m", "celery", "-A", "storyportal", "worker", "-Q", QUEUE, "--loglevel=WARNING",
                f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
                "-n", f"bench{i}@%h"]  # fmt: skip
        procs.append(subprocess.Popen(argv, cwd=ROOT, env=env))
    from storyportal.celery import app

    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return procs


def _measure(name: str, steps: list[dict[str, object]], runs: int, user: object) -> dict[str, float]:
    from django.db import connection
    from django.db.models import F

    from apps.workflows.models import RunStatus, WorkflowRun
    from apps.workflows.services.definitions import workflow_create
    from apps.workflows.services.runs import run_execute

    workflow = workflow_create(name=name, steps=steps)

    def submit(_: int) -> object:
        try:
            return run_execute(
                workflow=workflow, inputs={}, user=user, scopes=frozenset({"read:services", "write:services"})
            ).pk
        finally:
            connection.close()  # each client thread has its own connection

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:  # clients calling execute at once
        ids = list(pool.map(submit, range(runs)))
    submitted = time.perf_counter() - started
    pending = WorkflowRun.objects.filter(pk__in=ids).exclude(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED])
    while pending.exists():
        if time.perf_counter() - started > 600:
            raise SystemExit(f"{name}: runs did not finish in 10 minutes")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    done = WorkflowRun.objects.filter(pk__in=ids)
    failed = done.filter(status=RunStatus.FAILED).count()
    latencies = sorted(
        (r.total_seconds() * 1000)
        for r in done.annotate(latency=F("finished_at") - F("created_at")).values_list("latency", flat=True)
    )
    pick = lambda q: latencies[min(int(q * len(latencies)), len(latencies) - 1)]  # noqa: E731
    return {
        "runs": runs, "failed": failed, "submit_s": submitted, "elapsed_s": elapsed, "runs_per_s": runs / elapsed,
        "p50_ms": pick(0.5), "p95_ms": pick(0.95), "mean_ms": statistics.fmean(latencies),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.test")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    from storyportal.celery import app

    app.conf.task_default_queue = QUEUE
    procs = _workers(args.workers, args.concurrency)
    try:
        from apps.accounts.services import user_create

        user = user_create(username="bench", password=secrets.token_urlsafe(16), role="operator")
        noop = {"id": "s0", "kind": "wait", "seconds": 0}
        chain = [
            noop,
            *({"id": f"s{i}", "kind": "wait", "seconds": 0, "depends_on": [f"s{i - 1}"]} for i in range(1, 5)),
        ]
        rows = [
            ("1 step", _measure("one", [noop], args.runs, user)),
            ("5 steps", _measure("five", chain, args.runs, user)),
        ]
        print(f"{args.workers} worker(s) x concurrency {args.concurrency}, {args.runs} runs each")
        print(f"{'workflow':10} {'runs/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>7} {'submit s':>9}")
        for name, r in rows:
            line = f"{name:10} {r['runs_per_s']:8.1f} {r['p50_ms']:8.0f} {r['p95_ms']:8.0f}"
            print(f"{line} {r['failed']:7.0f} {r['submit_s']:9.2f}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
