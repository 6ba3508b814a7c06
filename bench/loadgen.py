"""A small closed-loop HTTP/1.1 load generator on asyncio protocols.

``connections`` clients each send a request, wait for the whole response, and send the next
one at once. Keep-alive connections are reused; a response with ``Connection: close`` (what
gunicorn's sync workers send) makes the client reconnect, and that connect counts in the
latency of the request it serves. Only responses completed inside the measured window (after
the warm-up) are recorded.

Callbacks instead of a coroutine per request keep the generator's own CPU use low, which
matters when it shares the machine with the server it measures.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Probe = Callable[[], None]


@dataclass
class Target:
    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)

    def request(self) -> bytes:
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: application/json"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Result:
    """What one run measured: latencies in seconds of the responses completed in the window."""

    duration: float
    latencies: list[float]
    statuses: dict[int, int]
    errors: int
    reconnects: int
    warmup_responses: int
    total_responses: int
    cpu_seconds: float

    @classmethod
    def combine(cls, results: list[Result]) -> Result:
        """Several runs against one target as one (durations and counts add up)."""
        statuses: dict[int, int] = {}
        for result in results:
            for status, count in result.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        return cls(
            duration=sum(r.duration for r in results),
            latencies=[latency for r in results for latency in r.latencies],
            statuses=statuses,
            errors=sum(r.errors for r in results),
            reconnects=sum(r.reconnects for r in results),
            warmup_responses=sum(r.warmup_responses for r in results),
            total_responses=sum(r.total_responses for r in results),
            cpu_seconds=sum(r.cpu_seconds for r in results),
        )

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(math.ceil(p / 100 * len(ordered)) - 1, 0)
        return ordered[min(rank, len(ordered) - 1)] * 1000

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "duration_s": round(self.duration, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            "reconnects": self.reconnects,
            "loadgen_cpu_pct_of_one_core": round(100 * self.cpu_seconds / self.duration, 1) if self.duration else 0,
        }


class _Run:
    """Shared state of one run: the window and what was recorded in it."""

    def __init__(self, target: Target, warmup: float, duration: float) -> None:
        self.target = target
        self.payload = target.request()
        self.loop = asyncio.get_running_loop()
        self.start = time.perf_counter()
        self.measure_from = self.start + warmup
        self.measure_until = self.measure_from + duration
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.reconnects = 0
        self.warmup_responses = 0
        self.total_responses = 0
        self.stopped = False
        self.clients: set[_Client] = set()

    def record(self, started: float, status: int) -> None:
        now = time.perf_counter()
        self.total_responses += 1
        if now < self.measure_from:
            self.warmup_responses += 1
        elif now <= self.measure_until:
            self.latencies.append(now - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not 200 <= status < 300:
                self.errors += 1

    @property
    def running(self) -> bool:
        return not self.stopped and time.perf_counter() < self.measure_until

    def connect(self, started: float | None = None) -> None:
        """Open a connection whose first request is timed from ``started`` (now by default)."""
        started = time.perf_counter() if started is None else started
        coro = self.loop.create_connection(lambda: _Client(self, started), self.target.host, self.target.port)
        task = self.loop.create_task(coro)
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[object]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        self.errors += 1
        if self.running:
            self.loop.call_later(0.05, self.connect)


class _Client(asyncio.Protocol):
    """One connection: send, parse the response (Content-Length bodies), repeat."""

    def __init__(self, run: _Run, started: float) -> None:
        self.run = run
        self.started = started
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.run.clients.add(self)
        self._send(self.started)

    def _send(self, started: float) -> None:
        self.started = started
        assert self.transport is not None
        self.transport.write(self.run.payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in head[1:])}
        length = int(headers.get("content-length", "-1"))
        if length < 0:
            self._fail()
            return
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        self.run.record(self.started, int(head[0].split()[1]))
        if headers.get("connection", "").lower() == "close":
            self._close_and_reconnect()
        elif self.run.running:
            self._send(time.perf_counter())
        else:
            self.close()

    def _fail(self) -> None:
        self.run.errors += 1
        self._close_and_reconnect()

    def _close_and_reconnect(self) -> None:
        self.close()
        if self.run.running:
            self.run.reconnects += 1
            self.run.connect()

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.clients.discard(self)
        if not self.closing:
            # The server closed without a complete response (or between keep-alive requests).
            self.closing = True
            if self.buffer:
                self.run.errors += 1
            if self.run.running:
                self.run.reconnects += 1
                self.run.connect()


async def _run(target: Target, *, connections: int, warmup: float, duration: float, probe: Probe | None) -> Result:
    run = _Run(target, warmup, duration)
    for _ in range(connections):
        run.connect()
    await asyncio.sleep(max(run.measure_from - time.perf_counter(), 0))
    if probe:
        probe()
    cpu_at_start = time.process_time()
    await asyncio.sleep(max(run.measure_until - time.perf_counter(), 0))
    cpu = time.process_time() - cpu_at_start
    if probe:
        probe()
    run.stopped = True
    await asyncio.sleep(0.2)  # let in-flight responses arrive and connections close
    for client in list(run.clients):
        client.close()
    await asyncio.sleep(0.05)
    return Result(
        duration=duration,
        latencies=run.latencies,
        statuses=run.statuses,
        errors=run.errors,
        reconnects=run.reconnects,
        warmup_responses=run.warmup_responses,
        total_responses=run.total_responses,
        cpu_seconds=cpu,
    )


def load(
    target: Target,
    *,
    connections: int = 8,
    warmup: float = 3.0,
    duration: float = 15.0,
    probe: Probe | None = None,
) -> Result:
    """Load ``target`` with ``connections`` closed-loop clients; measure ``duration`` seconds
    after ``warmup`` seconds. ``probe`` is called as the window opens and as it closes (to
    read server-side counters over exactly that window)."""
    return asyncio.run(_run(target, connections=connections, warmup=warmup, duration=duration, probe=probe))


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="closed-loop HTTP/1.1 GET load")
    parser.add_argument("url", help="http://host:port/path")
    parser.add_argument("-c", "--connections", type=int, default=8)
    parser.add_argument("-w", "--warmup", type=float, default=3.0)
    parser.add_argument("-d", "--duration", type=float, default=15.0)
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args()
    from urllib.parse import urlsplit

    url = urlsplit(args.url)
    extra = dict(tuple(part.strip() for part in h.split(":", 1)) for h in args.header)
    result = load(
        Target(url.hostname or "127.0.0.1", url.port or 80, url.path or "/", extra),
        connections=args.connections,
        warmup=args.warmup,
        duration=args.duration,
    )
    print(json.dumps(result.summary(), indent=2))
