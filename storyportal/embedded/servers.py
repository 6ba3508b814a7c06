"""Find or start the embedded servers a process needs, and stop the ones it started."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from storyportal.embedded import var_dir


class Server(Protocol):
    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


@dataclass
class Servers:
    """Connection URLs to export to child processes, and the servers we own."""

    env: dict[str, str] = field(default_factory=dict)
    owned: list[Server] = field(default_factory=list)

    def stop(self) -> None:
        # Redis before PostgreSQL: the reverse of start order.
        for server in reversed(self.owned):
            server.stop()
        self.owned.clear()


@contextmanager
def _lock() -> Iterator[None]:
    path = var_dir() / "run" / "embedded.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure(*, announce: bool = True) -> Servers:
    """Start (or reuse) PostgreSQL when DATABASE_URL is unset and Redis when REDIS_URL is unset."""
    from storyportal import conf

    servers = Servers()
    root = var_dir()
    with _lock():
        if not conf.get("DATABASE_URL"):
            from storyportal.embedded import postgres

            pg = postgres.find(root)
            if pg is None:
                pg = postgres.start(root)
                servers.owned.append(pg)
            servers.env["DATABASE_URL"] = pg.url
            _say(announce, f"embedded PostgreSQL at {pg.url} (data in {root / 'postgres'})")
        if not conf.get("REDIS_URL"):
            from storyportal.embedded import redis

            rd = redis.find(root)
            if rd is None:
                rd = redis.start(root)
                servers.owned.append(rd)
            servers.env["REDIS_URL"] = rd.url
            _say(announce, f"embedded Redis at {rd.url} (data in {root / 'redis'})")
    os.environ.update(servers.env)
    if servers.env:
        # `manage.py config` names these as coming from the embedded servers.
        os.environ["STORYPORTAL_EMBEDDED"] = ",".join(sorted(servers.env))
    return servers


def _say(announce: bool, text: str) -> None:
    if announce:
        print(f"storyportal: {text}", flush=True)
