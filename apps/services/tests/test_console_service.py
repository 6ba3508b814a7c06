"""ControlCenter (L10): the dashboard's numbers through the hub."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.services import user_create
from apps.agents.services import agent_create, agent_transition
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _overview(client: Client, **params: object):
    body = {"service_name": "ControlCenter", "method": "overview", "params": params}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_overview_counts_agents_and_lists_recent_activity(viewer_client: Client, settings) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    scout = agent_create(name="scout", layer="L02")
    agent_create(name="keeper", layer="L01")
    agent_transition(agent=scout, action="activate")
    result = _overview(viewer_client, activity=2).json()["result"]
    assert result["agents"] == {"total": 2, "by_status": {"active": 1, "registered": 1}}
    assert result["status"] == "degraded"  # Ollama is not running: non-critical
    assert "ModelRegistry" in result["services"]["unhealthy"]
    assert "AgentRegistry" not in result["services"]["unhealthy"]
    assert [a["event_type"] for a in result["activity"]] == ["AgentActivated", "AgentCreated"]
    assert all(a["event_type"] != "ServiceInvoked" for a in result["activity"])


def test_account_events_are_for_admins_only(viewer_client: Client, staff_client: Client) -> None:
    user_create(username="newcomer", password="correct horse battery", role="viewer")
    viewer_types = {a["aggregate_type"] for a in _overview(viewer_client, activity=50).json()["result"]["activity"]}
    admin_types = {a["aggregate_type"] for a in _overview(staff_client, activity=50).json()["result"]["activity"]}
    assert "User" not in viewer_types
    assert "User" in admin_types


def test_overview_validates_its_params(viewer_client: Client, client: Client) -> None:
    assert_envelope(_overview(viewer_client, activity=500), 400)
    assert_envelope(_overview(client), 401)
