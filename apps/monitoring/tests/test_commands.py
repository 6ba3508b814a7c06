"""manage.py health, version, config and selftest, run as an operator would."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from storyportal.embedded.process import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def test_health_prints_each_dependency() -> None:
    out = StringIO()
    call_command("health", stdout=out)
    text = out.getvalue()
    for name in ("postgres", "redis", "ollama", "workers"):
        assert name in text
    assert "overall:" in text


def test_health_exits_1_when_a_critical_dependency_is_down(settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(CommandError) as failure:
        call_command("health", "--json", stdout=StringIO())
    assert failure.value.returncode == 1


def test_health_json_is_the_readiness_body() -> None:
    out = StringIO()
    call_command("health", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert {d["name"] for d in body["dependencies"]} == {"postgres", "redis", "ollama", "workers"}


def test_version_names_the_platform() -> None:
    out = StringIO()
    call_command("version", stdout=out)
    assert out.getvalue().startswith("Story Portal 0.1.0")


def test_config_masks_secrets_and_passwords(monkeypatch) -> None:
    monkeypatch.setenv("API_KEY_SALT", "super-secret-salt")
    monkeypatch.setenv("OLLAMA_URL", "http://user:pa55word@ollama:11434")
    out = StringIO()
    call_command("config", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows["API_KEY_SALT"] == {"value": "********", "source": "environment"}
    assert "pa55word" not in out.getvalue()
    assert "super-secret-salt" not in out.getvalue()
    assert rows["OLLAMA_URL"]["value"] == "http://user:********@ollama:11434"


def test_selftest_passes_against_the_real_servers() -> None:
    out = StringIO()
    call_command("selftest", stdout=out)
    assert out.getvalue().count("PASS") == 4
    assert "FAIL" not in out.getvalue()
