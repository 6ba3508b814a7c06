"""The process supervisor behind ``make run`` and ``make test``.

``python -m storyportal.launcher run`` starts the embedded servers when needed, migrates,
makes sure the admin exists, then runs the ASGI server (HTTP + WebSocket), a Celery worker
and Celery beat. SIGINT or SIGTERM stops every process it started, servers last.

``python -m storyportal.launcher exec -- CMD ...`` runs one command with the servers up and
exits with its status.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from storyportal import conf
from storyportal.embedded import var_dir
from storyportal.embedded.process import die_with_parent
from storyportal.embedded.servers import Servers, ensure

PYTHON = sys.executable


class Supervisor:
    """Children in start order; stopped in reverse order."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False

    def spawn(self, name: str, argv: Sequence[str]) -> None:
        proc = subprocess.Popen(list(argv), preexec_fn=die_with_parent(signal.SIGTERM))
        self.children.append((name, proc))

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def watch(self) -> int:
        while not self.stopping:
            for name, proc in self.children:
                if proc.poll() is not None:
                    print(f"storyportal: {name} exited with {proc.returncode}; stopping", flush=True)
                    return 1
            time.sleep(0.2)
        return 0

    def shutdown(self) -> None:
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for _name, proc in reversed(self.children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.servers.stop()


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _shared_metrics_dir() -> None:
    """One emptied Prometheus multiprocess directory for the web process and the Celery
    workers, so ``/metrics`` adds up what each of them counted (steps and most service calls
    run on workers). An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is left alone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = var_dir() / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def run() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.dev")
    servers = ensure()
    sup = Supervisor(servers)
    signal.signal(signal.SIGINT, sup.on_signal)
    signal.signal(signal.SIGTERM, sup.on_signal)
    _shared_metrics_dir()
    try:
        _manage("migrate", "--noinput")
        _manage("sync_services")  # reports the catalog and embeds it for semantic search
        _manage("ensure_admin")
        port = str(conf.get_int("PORT", 8000))
        host = conf.get_str("HOST", "127.0.0.1") or "127.0.0.1"
        # -v 0: the platform's own JSON access log covers HTTP; daphne's would double it.
        sup.spawn("web", [PYTHON, "-m", "daphne", "-v", "0", "-b", host, "-p", port, "storyportal.asgi:application"])
        celery = [PYTHON, "-m", "celery", "-A", "storyportal"]
        sup.spawn("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"])
        sup.spawn("beat", [*celery, "beat", "--loglevel=INFO"])
        print(f"storyportal: serving http://{host}:{port}/  (Ctrl-C stops everything)", flush=True)
        return sup.watch()
    except subprocess.CalledProcessError as exc:
        print(f"storyportal: set-up step failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        sup.shutdown()


def exec_command(argv: Sequence[str]) -> int:
    servers = ensure(announce=False)
    # The command shares our terminal, so Ctrl-C reaches it directly; a SIGTERM sent to us
    # alone is passed on. Either way we wait for it to finish, then stop the servers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(list(argv), preexec_fn=die_with_parent(signal.SIGTERM, own_group=False))
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        status = child.wait()
        return 128 - status if status < 0 else status  # killed by signal N: exit 128 + N, as shells do
    finally:
        servers.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storyportal.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the platform with its workers")
    ex = sub.add_parser("exec", help="run a command with the servers up")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run()
    cmd = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not cmd:
        parser.error("exec needs a command")
    return exec_command(cmd)


if __name__ == "__main__":
    sys.exit(main())
