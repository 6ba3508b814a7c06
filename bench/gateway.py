"""Gateway benchmark: the production topology under load (see bench/README.md).

    .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.gateway [--compare]

Needs DATABASE_URL and REDIS_URL (the launcher provides the embedded servers). The run gets a
database of its own (``<name>_bench``, recreated and migrated each time) and Redis databases
``REDIS_DB_OFFSET`` 8-10 (flushed), so development data is never touched. Then it seeds an
operator with an API key and a few hundred events, and counts the SQL of each endpoint
in-process. Then, for each endpoint (``bench/bare/``, the same view behind the gateway at
``bench/gated/``, and ``/api/v1/events/``), it starts a fresh gunicorn per configuration with
the production settings (``bench.settings``), loads them in alternating rounds, and reads
server-side counters: statements PostgreSQL ran (``pg_stat_database``), Redis commands
(``INFO commandstats``) and where the CPU went. Prints a table and writes
``bench/results/gateway-<date>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/gateway.py` as well as `python -m bench.gateway`
    sys.path.insert(0, str(ROOT))

from bench.loadgen import Result, Target, load  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
REDIS_DB_OFFSET = 8  # broker, cache and channels in databases 8, 9, 10
HOST = "127.0.0.1"
BARE_PATH = "/bench/bare/"
GATED_PATH = "/bench/gated/"
LIST_PATH = "/api/v1/events/?page_size={page_size}"
SPEC_RPS, GOAL_RPS, GOAL_RATIO = 1000, 2000, 0.60
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    """One gunicorn configuration."""

    worker_class: str
    workers: int
    threads: int

    @property
    def label(self) -> str:
        return f"{self.worker_class} {self.workers}w" + (f"x{self.threads}t" if self.worker_class == "gthread" else "")

    def argv(self, port: int) -> list[str]:
        argv = [sys.executable, "-m", "gunicorn", "storyportal.wsgi:application", "--bind", f"{HOST}:{port}"]
        argv += ["--workers", str(self.workers), "--timeout", "120", "--worker-class", self.worker_class]
        return argv + (["--threads", str(self.threads)] if self.worker_class == "gthread" else [])


# --- environment, database, seed ------------------------------------------------------------


def rsa_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def bench_environment(database_url: str, *, log_level: str) -> dict[str, str]:
    """Production settings with throwaway secrets, plain HTTP and a throttle that counts
    (one Redis EVAL a request) but never refuses."""
    private, public = rsa_pair()
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "REDIS_DB_OFFSET": str(REDIS_DB_OFFSET),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "API_KEY_SALT": secrets.token_urlsafe(32),
        "JWT_PRIVATE_KEY": private,
        "JWT_PUBLIC_KEY": public,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_USER_RATE": "100000000/minute",
        "LOG_LEVEL": log_level,
    }


def recreate_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    import redis

    for db in range(REDIS_DB_OFFSET, REDIS_DB_OFFSET + 3):
        redis.Redis.from_url(redis_url, db=db).flushdb()


def setup_django() -> None:
    import warnings

    import django
    from django.core.management import call_command

    # WhiteNoise warns that collectstatic never ran; the benchmark serves no static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def seed(*, events: int) -> str:
    """An operator (throttled, unlike admins), their API key, and ``events`` agent events.
    Returns the raw key."""
    from django.db import transaction

    from apps.accounts.models import Role
    from apps.accounts.services import api_key_create, user_create
    from apps.events.services import event_append

    user = user_create(username="bench-operator", password=secrets.token_urlsafe(16), role=Role.OPERATOR)
    _, raw = api_key_create(owner=user, name="gateway bench", scopes=["read:services", "write:services"])
    with transaction.atomic():
        for n in range(events):
            event_append(
                aggregate_type="Agent",
                aggregate_id=uuid.uuid4(),
                event_type="AgentCreated",
                payload={"name": f"bench-agent-{n}", "model": "llama3.2:1b", "tags": ["bench"]},
            )
    return raw


def count_queries(paths: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """SQL run by Django for each path, in-process: the first (cold cache) request and the
    next one (the steady state the load test sees)."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The servers log at --log-level; these in-process requests need no access log lines.
    logging.getLogger("storyportal.access").setLevel(logging.WARNING)
    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT="application/json")
    report: dict[str, Any] = {}
    for name, (path, headers) in paths.items():
        extra = {f"HTTP_{key.upper().replace('-', '_')}": value for key, value in headers.items()}
        runs = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, **extra)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
            runs.append([query["sql"] for query in captured.captured_queries])
        report[name] = {"cold_queries": len(runs[0]), "queries": len(runs[1]), "sql": runs[1], "cold_sql": runs[0]}
    connections.close_all()
    return report


# --- gunicorn and server-side counters ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://{HOST}:{port}/health/live", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /health/live within 60 s; see {log}")


@contextlib.contextmanager
def gunicorn(server: Server, env: dict[str, str], log: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(server.argv(port), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc, log)
        yield port, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    pids.append(int(entry.name))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process that is local and still running (a remote database has
    no local pids: its share then shows under "other")."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            seconds[pid] = cpu_seconds(pid)
    return seconds


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def redis_calls(redis_url: str) -> dict[str, int]:
    import redis

    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def database_backends(admin_url: str, name: str) -> list[int]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)).fetchall()
    return [int(row[0]) for row in rows]


def redis_pid(redis_url: str) -> int:
    import redis

    return int(redis.Redis.from_url(redis_url).info("server")["process_id"])


def db_transactions(admin_url: str, name: str) -> int:
    """Committed plus rolled-back transactions of the bench database. Each autocommit
    statement is one, so this counts the statements gunicorn ran, including those Django runs
    outside its query log (connection health checks, connection set-up)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def settled_db_transactions(admin_url: str, name: str) -> int:
    """The counter once the backends that served gunicorn have exited and flushed their
    statistics (PostgreSQL publishes a backend's counts at most once a second, and at exit)."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        value = db_transactions(admin_url, name)
        if value != last:
            last, stable_since = value, time.monotonic()
        elif time.monotonic() - stable_since > 1.5:
            break
        time.sleep(0.3)
    return last


# --- one endpoint under load ---------------------------------------------------------------


@dataclass
class Settings:
    admin_url: str
    db_name: str
    redis_url: str
    env: dict[str, str]
    connections: int
    warmup: float
    duration: float
    rounds: int


class Probe:
    """Reads the server-side counters as a measured window opens and as it closes."""

    def __init__(self, cfg: Settings, workers: list[int]) -> None:
        self.cfg = cfg
        self.workers = workers
        self.groups: dict[str, list[int]] = {}
        self.reads: list[dict[str, Any]] = []

    def __call__(self) -> None:
        if not self.groups:
            # Looked up as the window opens, once the warm-up has opened every connection.
            self.groups = {
                "gunicorn_workers": self.workers,
                "postgresql": database_backends(self.cfg.admin_url, self.cfg.db_name),
                "redis": [redis_pid(self.cfg.redis_url)],
            }
        self.reads.append(
            {
                "redis": redis_calls(self.cfg.redis_url),
                "machine": machine_busy_seconds(),
                "cpu": {name: cpu_by_pid(pids) for name, pids in self.groups.items()},
            }
        )


def measure(servers: list[Server], endpoint: str, target: Target, cfg: Settings) -> dict[str, dict[str, Any]]:
    """Fresh gunicorns, one per configuration, loaded in turn with one endpoint: ``rounds``
    rounds, each giving every server an equal slice of ``duration``, so that whatever else
    the machine does falls on all of them alike. Client-side latencies plus server-side
    counters over the measured windows (Redis, CPU) or the servers' lifetime (database)."""
    db_before = settled_db_transactions(cfg.admin_url, cfg.db_name)
    results: dict[str, list[Result]] = {server.label: [] for server in servers}
    probes: dict[str, list[Probe]] = {server.label: [] for server in servers}
    with contextlib.ExitStack() as stack:
        running = []
        for server in servers:
            log = ROOT / "var" / "log" / f"bench-gunicorn-{server.worker_class}-{endpoint}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            port, proc = stack.enter_context(gunicorn(server, cfg.env, log))
            running.append((server, port, worker_pids(proc.pid)))
        for round_number in range(cfg.rounds):
            # Alternate which server goes first, so neither always follows the other.
            for server, port, workers in running if round_number % 2 == 0 else running[::-1]:
                target.port = port
                probe = Probe(cfg, workers)
                warmup = cfg.warmup if round_number == 0 else min(cfg.warmup, 1.0)
                slice_ = cfg.duration / cfg.rounds
                results[server.label].append(
                    load(target, connections=cfg.connections, warmup=warmup, duration=slice_, probe=probe)
                )
                probes[server.label].append(probe)
    # The servers share the database, and the same endpoint runs the same statements on each.
    db_delta = settled_db_transactions(cfg.admin_url, cfg.db_name) - db_before
    served = sum(result.total_responses for rounds in results.values() for result in rounds)
    return {
        label: summarise(Result.combine(results[label]), probes[label], db_per_request=db_delta / max(served, 1))
        for label in results
    }


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def summarise(result: Result, probes: list[Probe], *, db_per_request: float) -> dict[str, Any]:
    n = max(result.requests, 1)
    calls: dict[str, int] = {}
    used: dict[str, float] = {}
    busy = 0.0
    for probe in probes:
        before, after = probe.reads
        for name, count in after["redis"].items():
            if name != "info":
                calls[name] = calls.get(name, 0) + count - before["redis"].get(name, 0)
        for name in before["cpu"]:
            used[name] = used.get(name, 0.0) + cpu_used(before["cpu"][name], after["cpu"][name])
        busy += after["machine"][0] - before["machine"][0]
    used["loadgen"] = result.cpu_seconds
    # Kernel work (network, scheduling) and every process the benchmark did not start.
    used["other"] = busy - sum(used.values())
    window = result.duration * (os.cpu_count() or 1)
    return {
        **result.summary(),
        "db_statements_per_request": round(db_per_request, 3),
        "redis_commands_per_request": {name: round(count / n, 3) for name, count in sorted(calls.items()) if count},
        # Percent of all cores over the measured windows.
        "cpu_pct_of_machine": {"busy": round(100 * busy / window, 1)}
        | {name: round(100 * seconds / window, 1) for name, seconds in used.items()},
        "worker_cpu_ms_per_request": round(1000 * used["gunicorn_workers"] / n, 3),
    }


# --- report ---------------------------------------------------------------------------------


def busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is before the load starts: other work skews every number."""
    busy, total = machine_busy_seconds()
    time.sleep(seconds)
    busy2, total2 = machine_busy_seconds()
    return round(100 * (busy2 - busy) / (total2 - total), 1) if total2 > total else 0.0


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "gunicorn": metadata.version("gunicorn"),
        "django": metadata.version("django"),
        "djangorestframework": metadata.version("djangorestframework"),
        "git_commit": commit.stdout.strip(),
    }


def server_versions(admin_url: str, redis_url: str) -> dict[str, str]:
    import psycopg
    import redis

    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "postgresql": str(row[0]) if row else "?",
        "redis": str(redis.Redis.from_url(redis_url).info("server")["redis_version"]),
    }


COLUMNS = ("server", "endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "db/req", "redis/req", "cpu ms/req")
CPU_SHARES = ("gunicorn_workers", "postgresql", "redis", "loadgen", "other")


def table_row(server: str, endpoint: str, r: dict[str, Any]) -> list[str]:
    cpu = r["cpu_pct_of_machine"]
    return [
        server,
        endpoint,
        f"{r['rps']:.0f}",
        f"{r['p50_ms']:.2f}",
        f"{r['p95_ms']:.2f}",
        f"{r['p99_ms']:.2f}",
        str(r["errors"]),
        f"{r['db_statements_per_request']:.2f}",
        f"{sum(r['redis_commands_per_request'].values()):.2f}",
        f"{r['worker_cpu_ms_per_request']:.2f}",
        "/".join(f"{cpu[name]:.0f}" for name in CPU_SHARES),
    ]


def print_report(report: dict[str, Any]) -> None:
    header = [*COLUMNS, f"CPU % of {os.cpu_count()} cores: workers/pg/redis/loadgen/other"]
    rows = [header]
    for run in report["runs"]:
        rows += [table_row(run["server"], endpoint, r) for endpoint, r in run["endpoints"].items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    print()
    for row in rows:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        print("  ".join([*cells, row[-1]]))
    print()
    for run in report["runs"]:
        print(
            f"{run['server']}: list/bare = {run['list_over_bare']:.2f} (goal >= {GOAL_RATIO:.2f}),"
            f" gated/bare = {run['gated_over_bare']:.2f}; list {run['verdict']}"
        )
    for name, q in report["queries_in_process"].items():
        print(f"\nqueries per request, in-process, {name}: {q['queries']} (cold cache: {q['cold_queries']})")
        for sql in q["sql"]:
            print(f"  {sql[:160]}{'...' if len(sql) > 160 else ''}")
    for run in report["runs"]:
        commands = run["endpoints"]["list"]["redis_commands_per_request"]
        print(f"\nredis commands per list request, {run['server']}: {commands}")
    print("db/req counts every statement PostgreSQL ran for the server (connection health checks included).")


def verdict(rps: float) -> str:
    if rps >= GOAL_RPS:
        return f"meets the {GOAL_RPS} req/s goal"
    if rps >= SPEC_RPS:
        return f"meets the {SPEC_RPS} req/s spec, not the {GOAL_RPS} req/s goal"
    return f"BELOW the {SPEC_RPS} req/s spec"


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync", help="as compose runs it")
    parser.add_argument("--compare", action="store_true", help="run both sync and gthread workers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--connections", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per endpoint and server")
    parser.add_argument("--rounds", type=int, default=3, help="slices the duration is measured in, servers alternating")
    parser.add_argument("--events", type=int, default=500, help="events seeded")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the server (INFO logs every request)")
    parser.add_argument("--output", type=Path, help="JSON results (default bench/results/gateway-<date>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not (database_url and redis_url):
        print(
            "bench.gateway needs DATABASE_URL and REDIS_URL; run it through the launcher:\n"
            "  .venv/bin/python -m storyportal.launcher exec -- .venv/bin/python -m bench.gateway",
            file=sys.stderr,
        )
        return 2
    db_name = urlsplit(database_url).path.lstrip("/") + "_bench"
    print(f"bench: database {db_name} (recreated), Redis databases {REDIS_DB_OFFSET}-{REDIS_DB_OFFSET + 2} (flushed)")
    recreate_database(database_url, db_name)
    flush_redis(redis_url)
    env = bench_environment(with_database(database_url, db_name), log_level=args.log_level)
    os.environ.update(env)
    setup_django()
    raw_key = seed(events=args.events)
    list_path = LIST_PATH.format(page_size=args.page_size)
    auth = {"X-API-Key": raw_key}
    queries = count_queries({"list": (list_path, auth), "gated": (GATED_PATH, auth), "bare": (BARE_PATH, {})})

    idle_busy = busy_pct()
    if idle_busy > 10:
        print(f"bench: warning: the machine is {idle_busy}% busy before the load; numbers will be low and noisy")
    cfg = Settings(
        database_url, db_name, redis_url, {**os.environ}, args.connections, args.warmup, args.duration, args.rounds
    )
    classes = ["sync", "gthread"] if args.compare else [args.worker_class]
    servers = [Server(worker_class, args.workers, args.threads) for worker_class in classes]
    endpoints: dict[str, dict[str, Any]] = {server.label: {} for server in servers}
    for endpoint, path, headers in (("bare", BARE_PATH, {}), ("gated", GATED_PATH, auth), ("list", list_path, auth)):
        labels = ", ".join(server.label for server in servers)
        print(f"bench: {endpoint}: {labels}; {args.rounds} rounds, {args.duration:g} s measured per server")
        for label, summary in measure(servers, endpoint, Target(HOST, 0, path, headers), cfg).items():
            endpoints[label][endpoint] = summary
    runs = []
    for server in servers:
        measured = endpoints[server.label]
        bare_rps = measured["bare"]["rps"] or float("nan")
        runs.append(
            {
                "server": server.label,
                "gunicorn": {"worker_class": server.worker_class, "workers": server.workers, "threads": server.threads},
                "endpoints": measured,
                "list_over_bare": round(measured["list"]["rps"] / bare_rps, 3),
                "gated_over_bare": round(measured["gated"]["rps"] / bare_rps, 3),
                "verdict": verdict(measured["list"]["rps"]),
            }
        )

    report = {
        "benchmark": "gateway",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine(),
            **server_versions(database_url, redis_url),
            "busy_pct_before_load": idle_busy,
            "load_average_at_end": os.getloadavg(),
        },
        "config": {
            "connections": args.connections,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "events_seeded": args.events,
            "list_path": list_path,
            "bare_path": BARE_PATH,
            "gated_path": GATED_PATH,
            "log_level": args.log_level,
            "throttle_user_rate": env["THROTTLE_USER_RATE"],
            "goals": {"spec_rps": SPEC_RPS, "goal_rps": GOAL_RPS, "goal_list_over_bare": GOAL_RATIO},
        },
        "queries_in_process": queries,
        "runs": runs,
    }
    print_report(report)
    output = args.output or RESULTS_DIR / f"gateway-{dt.date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nbench: results written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
