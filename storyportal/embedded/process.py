"""Small process helpers shared by the embedded servers."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int, *, own_group: bool = True) -> Callable[[], None]:
    """A ``preexec_fn`` asking the kernel to send `sig` to the child when its parent dies.

    Runs after ``Popen(user=...)`` has switched uid, so the setting survives into the server.
    With `own_group` the child leaves the terminal's process group: Ctrl-C then reaches only
    the launcher, which stops its children in order.
    """

    def _preexec() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        if own_group:
            os.setpgrp()

    return _preexec


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(probe: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not become ready within {timeout:.0f}s")


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return state if pid_alive(int(state.get("pid", 0))) else None


def write_state(path: Path, **state: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)
