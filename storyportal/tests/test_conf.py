"""Configuration precedence (spec 7.4): environment > .env > config.yaml > defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storyportal import conf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def layered(tmp_path, monkeypatch):
    env_file, yaml_file = tmp_path / ".env", tmp_path / "config.yaml"
    monkeypatch.setenv("STORYPORTAL_ENV_FILE", str(env_file))
    monkeypatch.setenv("STORYPORTAL_CONFIG", str(yaml_file))
    conf.reload()
    yield env_file, yaml_file
    conf.reload()


def test_environment_beats_dotenv_beats_yaml_beats_default(layered, monkeypatch) -> None:
    env_file, yaml_file = layered
    yaml_file.write_text("sp_a: from-yaml\nsp_b: from-yaml\nsp_c: from-yaml\n")
    env_file.write_text("SP_A=from-dotenv\nSP_B=from-dotenv\n")
    monkeypatch.setenv("SP_A", "from-env")
    conf.reload()
    assert conf.get("SP_A") == "from-env"
    assert conf.get("SP_B") == "from-dotenv"
    assert conf.get("SP_C") == "from-yaml"
    assert conf.get("SP_D", "default") == "default"
    assert [conf.source_of(n) for n in ("SP_A", "SP_B", "SP_C", "SP_D")] == [
        "environment",
        ".env",
        "config.yaml",
        None,
    ]


def test_secret_can_come_from_a_file(layered, monkeypatch, tmp_path) -> None:
    secret = tmp_path / "salt"
    secret.write_text("pepper\n")
    monkeypatch.setenv("SP_SALT_FILE", str(secret))
    assert conf.get("SP_SALT") == "pepper"


def test_empty_value_counts_as_unset(layered, monkeypatch) -> None:
    monkeypatch.setenv("SP_EMPTY", "")
    assert conf.get_bool("SP_EMPTY", True) is True
    assert conf.get_int("SP_EMPTY", 7) == 7


def test_lists_and_bools_parse(layered, monkeypatch) -> None:
    monkeypatch.setenv("SP_LIST", "a.example, b.example")
    monkeypatch.setenv("SP_FLAG", "yes")
    assert conf.get_list("SP_LIST") == ["a.example", "b.example"]
    assert conf.get_bool("SP_FLAG") is True


def test_yaml_that_is_not_a_mapping_is_refused(layered) -> None:
    _, yaml_file = layered
    yaml_file.write_text("- just\n- a list\n")
    conf.reload()
    with pytest.raises(conf.MissingSetting):
        conf.get("ANYTHING")


def _prod_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return (
        keep
        | {
            "DJANGO_SETTINGS_MODULE": "storyportal.settings.prod",
            "STORYPORTAL_ENV_FILE": "/nonexistent/.env",
            "STORYPORTAL_CONFIG": "/nonexistent/config.yaml",
        }
        | extra
    )


def _secrets(tmp_path: Path) -> dict[str, str]:
    key = tmp_path / "secret_key"
    key.write_text("k" * 20 + "-this-is-a-long-random-production-secret-key-0123456789")
    return {
        "DJANGO_SECRET_KEY_FILE": str(key),
        "API_KEY_SALT": "salt-value-for-tests",
        "JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
        "JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "portal.example.com",
    }


def test_production_refuses_to_start_without_secrets() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=_prod_env(), capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set in production" in result.stderr


def test_production_deploy_check_is_clean_with_secrets(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_prod_env(**_secrets(tmp_path)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_empty_value_is_not_reported_as_its_source(layered, monkeypatch) -> None:
    monkeypatch.setenv("SP_BLANK", "")
    assert conf.source_of("SP_BLANK") is None
