"""`make run` from scratch comes up healthy, and stopping it leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from storyportal.embedded.process import free_port, pid_alive

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _env(var_dir: Path, port: int) -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "REDIS_DB_OFFSET", "STORYPORTAL_EMBEDDED",
            "DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"STORYPORTAL_VAR_DIR": str(var_dir), "PORT": str(port)}


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
                body = json.loads(response.read())
                workers = next(d for d in body["dependencies"] if d["name"] == "workers")
                if workers["status"] == "healthy":
                    return body
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("never became ready:\n" + log.read_text())


def _server_pids(var_dir: Path) -> list[int]:
    return [json.loads((var_dir / "run" / f"{name}.json").read_text())["pid"] for name in ("postgres", "redis")]


def _wait_gone(pids: list[int], timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(pid_alive(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if pid_alive(pid)]


def test_make_run_serves_then_ctrl_c_stops_everything(tmp_path: Path) -> None:
    var_dir, port, log = tmp_path / "var", free_port(), tmp_path / "run.log"
    with log.open("wb") as out:
        make = subprocess.Popen(["make", "run"], cwd=ROOT, env=_env(var_dir, port), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        body = _wait_ready(port, make, log)
        assert body["status"] in {"healthy", "degraded"}
        pids = _server_pids(var_dir)
        children = subprocess.run(["pgrep", "-g", str(make.pid)], capture_output=True, text=True).stdout.split()
        os.killpg(make.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
        make.wait(timeout=90)
    text = log.read_text()
    assert f"serving http://127.0.0.1:{port}/" in text
    assert "username: admin" in text
    assert "password: " in text
    assert _wait_gone(pids) == []
    assert _wait_gone([int(pid) for pid in children]) == []


def test_restart_keeps_data_and_sigterm_stops_everything(tmp_path: Path) -> None:
    var_dir, log = tmp_path / "var", tmp_path / "run.log"
    for attempt in (1, 2):
        port = free_port()
        with log.open("wb") as out:
            launcher = subprocess.Popen([sys.executable, "-m", "storyportal.launcher", "run"], cwd=ROOT,
                                        env=_env(var_dir, port), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
            _wait_ready(port, launcher, log)
            pids = _server_pids(var_dir)
            launcher.send_signal(signal.SIGTERM)
            assert launcher.wait(timeout=90) == 0
        text = log.read_text()
        # The generated admin is printed on the first start only: the database survived.
        assert ("password: " in text) is (attempt == 1)
        assert _wait_gone(pids) == []


def test_exec_passes_sigterm_to_its_command() -> None:
    # With both URLs set the launcher starts no servers; only the signal path is exercised.
    env = os.environ | {"DATABASE_URL": "postgres://x@127.0.0.1:1/x", "REDIS_URL": "redis://127.0.0.1:1/0"}
    launcher = subprocess.Popen([sys.executable, "-m", "storyportal.launcher", "exec", "--", "sleep", "60"],
                                cwd=ROOT, env=env)  # fmt: skip
    time.sleep(1.5)
    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(timeout=10) == 128 + signal.SIGTERM
