"""Model gateway benchmark (issue 6): the gateway's overhead over calling Ollama directly,
and coalescing of identical concurrent requests. Runs against the Ollama stand-in
(tests/support/ollama.py), in a scratch database like bench/services.py:

    .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.llm
"""

from __future__ import annotations

import threading
from itertools import count

from bench.services import _percentiles, _time
from bench.services import main as _setup


def run() -> None:
    import ollama
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from apps.accounts.services import user_create
    from apps.llm.services import generate
    from tests.support.ollama import ollama_standin

    n = 300
    with ollama_standin() as server:
        settings.OLLAMA_URL = server.url
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["llm_generate"] = "100000000/minute"
        direct_client = ollama.Client(host=server.url)
        numbers = count()
        direct = _time(lambda: direct_client.generate(model="llama2:7b", prompt=f"q{next(numbers)}", stream=False), n)
        gateway = _time(lambda: generate(prompt=f"q{next(numbers)}", caller="bench"), n)
        user = user_create(username="bench", password="x" * 20, role="operator")
        client = Client()
        client.force_login(user)
        body = lambda: {"prompt": f"q{next(numbers)}"}  # noqa: E731
        api = _time(lambda: client.post("/api/v1/llm/generate/", body(), content_type="application/json"), n)
        rows = [("direct ollama client", _percentiles(direct)), ("gateway generate()", _percentiles(gateway)),
                ("POST /api/v1/llm/generate/", _percentiles(api))]  # fmt: skip
        print(f"{'what':32} {'p50':>8} {'p95':>8} {'p99':>8}  (ms, {n} calls each, distinct prompts)")
        for name, p in rows:
            print(f"{name:32} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}")
        print(f"gateway overhead (generate() minus direct), p50: {rows[1][1]['p50'] - rows[0][1]['p50']:.2f} ms")

        server.delay, server.calls["/api/generate"] = 0.5, 0
        threads = []

        def ask() -> None:
            try:
                generate(prompt="the same question", caller="bench")
            finally:
                connection.close()

        for _ in range(20):
            threads.append(threading.Thread(target=ask))
            threads[-1].start()
        for thread in threads:
            thread.join()
        print(f"20 identical concurrent requests -> {server.calls['/api/generate']} upstream call(s)")


if __name__ == "__main__":
    import bench.services

    bench.services.run = run
    _setup()
