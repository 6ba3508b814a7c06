"""Service hub micro-benchmark (issue 4): search latency and invocation overhead.

In-process (Django test client, no HTTP server), against the real PostgreSQL and Redis the
launcher provides, in a scratch database like bench/gateway.py. Run:

    .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.services
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(int(q * len(ordered)), len(ordered) - 1)]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


def _time(func: Callable[[], object], n: int) -> list[float]:
    for _ in range(20):
        func()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.test")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    for scope in ("search", "user"):  # measure the work, not 429s
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope] = "100000000/minute"
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        run()
    finally:
        runner.teardown_databases(old)


def _semantic_rows(client: object, n: int) -> list[tuple[str, dict[str, float]]]:
    """Search with semantic ranking, against the Ollama stand-in (tests/support/ollama.py):
    repeated queries (their embedding cached in Redis) and a new query every time (one
    embedding call to the stand-in per search)."""
    from itertools import count

    from django.conf import settings

    from apps.services.embeddings import catalog_embed
    from tests.support.ollama import ollama_standin

    with ollama_standin() as server:
        settings.OLLAMA_URL = server.url
        catalog_embed()
        get = client.get  # type: ignore[attr-defined]
        first = get("/api/v1/services/search/", {"q": "agnt regstry"}).json()
        assert first["semantic"] == "used", first
        cached = _time(lambda: get("/api/v1/services/search/", {"q": "agnt regstry"}), n)
        numbers = count()
        fresh = _time(lambda: get("/api/v1/services/search/", {"q": f"keep sessions {next(numbers)}"}), n)
    return [
        ("search + semantic, query embedding cached", _percentiles(cached)),
        ("search + semantic, new query each time", _percentiles(fresh)),
    ]


def run() -> None:
    from django.test import Client

    from apps.accounts.services import user_create
    from apps.services.invocation import invoke as invoke_service
    from apps.services.registry import Caller, load_catalog
    from storyportal.realtime.publish import drain

    user = user_create(username="bench", password=secrets.token_urlsafe(16), role="operator")
    client = Client()
    client.force_login(user)
    n = 300
    rows = []
    for query in ("agnt regstry", "session", "health monitor", "zzzz"):
        samples = _time(lambda q=query: client.get("/api/v1/services/search/", {"q": q}), n)
        rows.append((f"search {query!r}", _percentiles(samples)))
    body = {"service_name": "RouteTable", "method": "routes", "params": {}}
    invoke = _time(lambda: client.post("/api/v1/services/invoke/", body, content_type="application/json"), n)
    direct_impl = load_catalog()["RouteTable"].implementation
    caller = Caller(user=user, scopes=user.scopes)
    direct = _time(lambda: direct_impl().routes(caller), n)  # type: ignore[misc]
    # The hub's own work, without HTTP: resolve, authorise, validate, transaction, record, event.
    in_process = _time(
        lambda: invoke_service(service_name="RouteTable", method_name="routes", params={}, caller=caller), n
    )
    root = _time(lambda: client.get("/api/v1/"), n)
    rows += [("invoke RouteTable.routes", _percentiles(invoke)), ("direct routes() call", _percentiles(direct))]
    rows.append(("invoke() in process, no HTTP", _percentiles(in_process)))
    rows.append(("GET /api/v1/ (request baseline)", _percentiles(root)))
    rows += _semantic_rows(client, n)
    print(f"{'what':40} {'p50':>8} {'p95':>8} {'p99':>8}  (ms, {n} requests each)")
    for name, p in rows:
        print(f"{name:40} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}")
    overhead = _percentiles(invoke)["p50"] - _percentiles(root)["p50"] - _percentiles(direct)["p50"]
    print(f"invoke overhead over a plain authenticated request, excluding the method: {overhead:.2f} ms (p50)")
    hub = _percentiles(in_process)["p50"] - _percentiles(direct)["p50"]
    print(f"the hub's own overhead (invoke() minus the method), no HTTP: {hub:.2f} ms (p50)")
    drain()


if __name__ == "__main__":
    sys.exit(main())
