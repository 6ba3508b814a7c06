"""The agent registry in the Django admin: filters, search, and writes through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.agents import services
from apps.agents.models import Agent
from apps.events.models import Event

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/agents/agent/"


def _agent(name: str = "scout", layer: str = "L02", **fields: object) -> Agent:
    return services.agent_create(name=name, layer=layer, **fields)  # type: ignore[arg-type]


def _events(agent: Agent) -> list[str]:
    return list(
        Event.objects.filter(aggregate_id=agent.id).order_by("sequence_number").values_list("event_type", flat=True)
    )


def _form(**fields: str) -> dict[str, str]:
    return {"name": "scout", "description": "", "layer": "L02", "capabilities": "[]", "config": "{}", **fields}


def _act(client: Client, action: str, *agents: Agent):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(a.id) for a in agents], "index": "0"}, follow=True
    )


def test_changelist_lists_filters_and_searches(staff_client: Client) -> None:
    services.agent_transition(agent=_agent("alpha", "L01", description="watches queues"), action="activate")
    _agent("beta", "L03")
    html = staff_client.get(CHANGELIST).content.decode()
    assert "alpha" in html
    assert "beta" in html
    for column in ("column-name", "column-layer", "column-status", "column-created_at", "column-updated_at"):
        assert column in html
    assert "?status__exact=active" in html  # the status filter
    assert "?layer__exact=L03" in html  # the layer filter
    active = staff_client.get(f"{CHANGELIST}?status__exact=active").content.decode()
    assert "alpha" in active
    assert "beta" not in active
    found = staff_client.get(f"{CHANGELIST}?q=queues").content.decode()
    assert "alpha" in found
    assert "beta" not in found


def test_change_page_shows_status_read_only(staff_client: Client) -> None:
    agent = _agent()
    html = staff_client.get(f"{CHANGELIST}{agent.id}/change/").content.decode()
    assert 'name="name"' in html
    assert 'name="status"' not in html
    assert 'name="status_reason"' not in html
    assert '<div class="readonly">Registered</div>' in html


def test_add_goes_through_agent_create(staff_client: Client) -> None:
    response = staff_client.post(
        f"{CHANGELIST}add/", _form(description="from admin", capabilities='["search"]', config='{"k": 1}')
    )
    assert response.status_code == 302, response.content.decode()
    agent = Agent.objects.get()
    assert (agent.status, agent.capabilities, agent.config) == ("registered", ["search"], {"k": 1})
    assert response["Location"] == CHANGELIST
    event = Event.objects.get(aggregate_id=agent.id)
    assert event.event_type == "AgentCreated"
    assert event.metadata["actor"] == "user:ada"


def test_change_goes_through_agent_update_and_ignores_status(staff_client: Client) -> None:
    agent = _agent()
    response = staff_client.post(f"{CHANGELIST}{agent.id}/change/", _form(layer="L04", status="active"))
    assert response.status_code == 302, response.content.decode()
    agent.refresh_from_db()
    assert (agent.layer, agent.status) == ("L04", "registered")
    update = Event.objects.get(aggregate_id=agent.id, event_type="AgentUpdated")
    assert update.payload["changed"] == ["layer"]
    assert update.metadata["actor"] == "user:ada"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"config": "[1, 2]"}, "Config must be a JSON object"),
        ({"capabilities": '{"a": 1}'}, "Capabilities must be a list of strings."),
        ({"capabilities": "[1]"}, "Capabilities must be a list of strings."),
        ({"capabilities": '["' + "c" * 101 + '"]'}, "Each capability is at most 100 characters"),
        ({"name": "taken"}, "Agent with this Name already exists."),
    ],
)
def test_admin_form_validates_like_the_control_center(staff_client: Client, fields: dict, message: str) -> None:
    _agent("taken")
    response = staff_client.post(f"{CHANGELIST}add/", _form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Agent.objects.count() == 1


def test_lifecycle_actions_move_agents_and_report_conflicts(staff_client: Client) -> None:
    fresh = _agent("fresh")
    paused = services.agent_transition(
        agent=services.agent_transition(agent=_agent("napper"), action="activate"), action="pause"
    )
    retired = services.agent_transition(agent=_agent("old"), action="retire")

    html = _act(staff_client, "activate_selected", fresh, paused, retired).content.decode()
    assert "Activated 2 agent(s): fresh, napper." in html
    assert "Not changed: old: An agent that is retired cannot activate." in html
    statuses = dict(Agent.objects.values_list("name", "status"))
    assert statuses == {"fresh": "active", "napper": "active", "old": "retired"}
    assert _events(fresh)[-1] == "AgentActivated"
    assert Event.objects.get(aggregate_id=fresh.id, event_type="AgentActivated").metadata["actor"] == "user:ada"

    html = _act(staff_client, "pause_selected", fresh).content.decode()
    assert "Paused 1 agent(s): fresh." in html
    html = _act(staff_client, "retire_selected", fresh, retired).content.decode()
    assert "Retired 1 agent(s): fresh." in html
    assert "Not changed: old: An agent that is retired cannot retire." in html
    assert dict(Agent.objects.values_list("name", "status"))["fresh"] == "retired"


def test_delete_goes_through_agent_delete(staff_client: Client) -> None:
    agent = _agent()
    response = staff_client.post(f"{CHANGELIST}{agent.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Agent.objects.exists()
    assert _events(agent) == ["AgentCreated", "AgentDeleted"]


def test_delete_selected_goes_through_agent_delete(staff_client: Client) -> None:
    first, second, kept = _agent("one"), _agent("two"), _agent("three")
    response = staff_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [str(first.id), str(second.id)], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Agent.objects.values_list("name", flat=True)) == ["three"]
    assert _events(first) == _events(second) == ["AgentCreated", "AgentDeleted"]
    assert _events(kept) == ["AgentCreated"]


def test_admin_is_closed_to_non_staff(viewer_client: Client) -> None:
    assert viewer_client.get(CHANGELIST).status_code == 302
