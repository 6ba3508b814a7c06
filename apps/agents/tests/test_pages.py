"""The agents pages of the control center: list, forms, lifecycle buttons, the agent's log."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.agents import services
from apps.agents.models import Agent
from apps.events.models import Event

pytestmark = pytest.mark.django_db

LIST = "/agents"
NEW = "/agents/new"


def _page(agent: Agent, suffix: str = "") -> str:
    return f"/agents/{agent.id}{suffix}"


def _agent(name: str = "scout", layer: str = "L02", **fields: object) -> Agent:
    return services.agent_create(name=name, layer=layer, **fields)  # type: ignore[arg-type]


def _form(**fields: str) -> dict[str, str]:
    return {"name": "scout", "description": "", "layer": "L02", "capabilities": "", "config": "{}", **fields}


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-agent-id="([0-9a-f-]+)"', html)


def _visible_moves(html: str) -> list[str]:
    forms = re.findall(r'<form [^>]*class="lifecycle-form"[^>]*>', html)
    return [re.search(r'data-action="(\w+)"', form).group(1) for form in forms if " hidden" not in form]  # type: ignore[union-attr]


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" [^>]*data-field="{field}">([^<]*)</p>', html)
    assert match, f"no error shown for {field}"
    return match.group(1)


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/edit"])
def test_anonymous_is_redirected_to_login(client: Client, suffix: str) -> None:
    agent = _agent()
    for path in (LIST, NEW, _page(agent, suffix)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_anonymous_post_changes_nothing(client: Client) -> None:
    agent = _agent()
    for path in (NEW, _page(agent, "/activate"), _page(agent, "/delete"), _page(agent, "/edit")):
        response = client.post(path, _form(name="other"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    agent.refresh_from_db()
    assert (agent.name, agent.status) == ("scout", "registered")
    assert Agent.objects.count() == 1


def test_pages_send_security_headers_and_csp(viewer_client: Client) -> None:
    agent = _agent()
    for path in (LIST, NEW, _page(agent), _page(agent, "/edit")):
        response = viewer_client.get(path)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert "style=" not in html
        assert "<script>" not in html


def test_navigation_marks_the_agents_page(viewer_client: Client) -> None:
    html = viewer_client.get(LIST).content.decode()
    assert '<a href="/agents" aria-current="page">Agents</a>' in html
    assert "js/agents.js" in html
    assert "Not built yet" not in html


def test_unknown_agent_is_404(viewer_client: Client) -> None:
    missing = "/agents/00000000-0000-0000-0000-000000000000"
    assert viewer_client.get(missing).status_code == 404
    assert viewer_client.get(f"{missing}/edit").status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_agents_with_status_badges(viewer_client: Client) -> None:
    scout = _agent(description="finds things", capabilities=["search"])
    services.agent_transition(agent=_agent("keeper", "L01"), action="activate")
    html = viewer_client.get(LIST).content.decode()
    assert "2 agents" in html
    assert _row_ids(html) == [str(Agent.objects.get(name="keeper").id), str(scout.id)]  # by name
    assert '<span class="status status-active" data-testid="agent-status">active</span>' in html
    assert '<span class="status status-registered" data-testid="agent-status">registered</span>' in html
    assert f'href="/agents/{scout.id}"' in html
    assert "finds things" in html
    assert '<span class="badge">search</span>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["alpha"]),
        ("status=registered", ["beta", "gamma"]),
        ("layer=L01", ["alpha", "beta"]),
        ("layer=L01&status=registered", ["beta"]),
        ("q=GAM", ["gamma"]),
        ("q=summar", ["beta"]),  # the description
        ("q=nothing-like-it", []),
        ("status=bogus", ["alpha", "beta", "gamma"]),  # an impossible filter is ignored
    ],
)
def test_list_filters_and_search(viewer_client: Client, query: str, expected: list[str]) -> None:
    services.agent_transition(agent=_agent("alpha", "L01"), action="activate")
    _agent("beta", "L01", description="Summarises stories")
    _agent("gamma", "L03")
    html = viewer_client.get(f"{LIST}?{query}").content.decode()
    names = dict(Agent.objects.values_list("id", "name"))
    assert [names[uuid.UUID(row)] for row in _row_ids(html)] == expected
    if not expected:
        assert "No agent matches these filters." in html


def test_list_filters_keep_their_values(viewer_client: Client) -> None:
    html = viewer_client.get(f"{LIST}?status=paused&layer=L04&q=abc").content.decode()
    assert '<option value="paused" selected>' in html
    assert '<option value="L04" selected>' in html
    assert 'value="abc"' in html
    assert 'href="/agents">Clear</a>' in html


def test_list_paginates_by_50_and_keeps_filters(viewer_client: Client) -> None:
    for number in range(55):
        _agent(f"agent-{number:02d}", "L05")
    _agent("elsewhere", "L06")
    first = viewer_client.get(f"{LIST}?layer=L05").content.decode()
    assert len(_row_ids(first)) == 50
    assert "55 agents matching" in first
    assert "Page 1 of 2" in first
    assert 'href="?layer=L05&amp;page=2"' in first
    second = viewer_client.get(f"{LIST}?layer=L05&page=2").content.decode()
    assert len(_row_ids(second)) == 5
    assert "agent-54" in second
    assert "elsewhere" not in second
    beyond = viewer_client.get(f"{LIST}?layer=L05&page=99")
    assert beyond.status_code == 200  # the last page, not an error
    assert len(_row_ids(beyond.content.decode())) == 5


def test_list_page_queries_do_not_grow_with_agents(viewer_client: Client, django_assert_max_num_queries) -> None:
    for number in range(60):
        _agent(f"agent-{number:02d}", capabilities=["a", "b"])
    viewer_client.get(LIST)  # warm the session and user caches as a browsing user would have
    with django_assert_max_num_queries(4):  # the user, the count, the page (and one spare)
        response = viewer_client.get(f"{LIST}?layer=L02&q=agent")
    assert len(_row_ids(response.content.decode())) == 50


def test_empty_list_says_so(viewer_client: Client) -> None:
    html = viewer_client.get(LIST).content.decode()
    assert "No agents registered yet." in html
    assert "0 agents" in html


# --- create ------------------------------------------------------------------------------------


def test_create_registers_the_agent_and_records_who(operator_client: Client) -> None:
    response = operator_client.post(
        NEW,
        _form(
            name=" scout ",
            description="finds things",
            capabilities=" search, summarise ,, search",
            config='{"model": "llama3", "temperature": 0.2}',
        ),
    )
    agent = Agent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _page(agent)
    assert agent.name == "scout"
    assert agent.status == "registered"
    assert agent.capabilities == ["search", "summarise"]
    assert agent.config == {"model": "llama3", "temperature": 0.2}
    event = Event.objects.get(aggregate_id=agent.id)
    assert event.event_type == "AgentCreated"
    assert event.metadata["actor"] == "user:otto"
    page = operator_client.get(response["Location"]).content.decode()
    assert "Agent “scout” registered." in page


def test_create_with_empty_config_and_capabilities(operator_client: Client) -> None:
    operator_client.post(NEW, _form(config="  "))
    agent = Agent.objects.get()
    assert (agent.config, agent.capabilities) == ({}, [])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"config": '{"model": "llama3",}'}, "config", "Config is not valid JSON"),
        ({"config": "not json"}, "config", "line 1, column 1"),
        ({"config": '["a", "b"]'}, "config", "Config must be a JSON object ({…}), not a list."),
        ({"config": '"text"'}, "config", "not a string"),
        ({"config": "42"}, "config", "not a number"),
        ({"layer": ""}, "layer", "Choose a layer."),
        ({"layer": "L08"}, "layer", "Select a valid choice."),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"capabilities": "ok, " + "c" * 101}, "capabilities", "Each capability is at most 100 characters"),
    ],
)
def test_create_shows_validation_errors_next_to_fields(
    operator_client: Client, fields: dict[str, str], field: str, message: str
) -> None:
    response = operator_client.post(NEW, _form(**fields))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in unescape(_field_error(html, field))
    assert not Agent.objects.exists()
    assert not Event.objects.filter(aggregate_type="Agent").exists()


def test_create_keeps_what_was_typed(operator_client: Client) -> None:
    html = operator_client.post(NEW, _form(name="keep-me", config="[1]")).content.decode()
    assert 'value="keep-me"' in html
    assert "[1]</textarea>" in html


def test_duplicate_name_is_a_field_error(operator_client: Client) -> None:
    _agent("scout")
    html = operator_client.post(NEW, _form(name="scout")).content.decode()
    assert _field_error(html, "name") == "An agent with that name exists."
    assert Agent.objects.count() == 1


def test_a_name_taken_meanwhile_is_a_field_error(operator_client: Client, monkeypatch) -> None:
    """The form checked the name, then a concurrent create took it: the database refuses."""
    from apps.agents.forms import AgentForm

    _agent("scout")
    monkeypatch.setattr(AgentForm, "clean_name", lambda form: form.cleaned_data["name"])
    html = operator_client.post(NEW, _form(name="scout")).content.decode()
    assert _field_error(html, "name") == "An agent with that name exists."
    assert Agent.objects.count() == 1


# --- edit --------------------------------------------------------------------------------------


def test_edit_form_shows_the_current_definition(operator_client: Client) -> None:
    agent = _agent(description="finds", capabilities=["a", "b"], config={"k": 1})
    html = operator_client.get(_page(agent, "/edit")).content.decode()
    assert 'value="scout"' in html
    assert 'value="a, b"' in html
    assert "{\n  &quot;k&quot;: 1\n}</textarea>" in html
    assert '<option value="L02" selected>' in html
    assert "Save changes" in html


def test_edit_saves_through_the_service(operator_client: Client) -> None:
    agent = _agent(config={"k": 1})
    response = operator_client.post(
        _page(agent, "/edit"), _form(name="scout-2", layer="L04", capabilities="x", config='{"k": 2}')
    )
    assert response.status_code == 302
    assert response["Location"] == _page(agent)
    agent.refresh_from_db()
    assert (agent.name, agent.layer, agent.capabilities, agent.config) == ("scout-2", "L04", ["x"], {"k": 2})
    update = Event.objects.get(aggregate_id=agent.id, event_type="AgentUpdated")
    assert update.payload["changed"] == ["capabilities", "config", "layer", "name"]
    assert update.metadata["actor"] == "user:otto"


def test_edit_may_keep_its_own_name_but_not_take_another(operator_client: Client) -> None:
    agent = _agent("scout")
    _agent("keeper")
    assert operator_client.post(_page(agent, "/edit"), _form(name="scout", description="new")).status_code == 302
    html = operator_client.post(_page(agent, "/edit"), _form(name="keeper")).content.decode()
    assert _field_error(html, "name") == "An agent with that name exists."
    agent.refresh_from_db()
    assert (agent.name, agent.description) == ("scout", "new")


def test_edit_with_bad_config_changes_nothing(operator_client: Client) -> None:
    agent = _agent(config={"k": 1})
    html = operator_client.post(_page(agent, "/edit"), _form(config="{oops")).content.decode()
    assert "Config is not valid JSON" in _field_error(html, "config")
    agent.refresh_from_db()
    assert agent.config == {"k": 1}
    assert Event.objects.filter(aggregate_id=agent.id).count() == 1


# --- the agent page: lifecycle ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moves", "visible"),
    [
        ([], ["activate", "retire"]),
        (["activate"], ["pause", "retire"]),
        (["activate", "pause"], ["activate", "retire"]),
        (["retire"], []),
    ],
)
def test_lifecycle_buttons_follow_the_status(operator_client: Client, moves: list[str], visible: list[str]) -> None:
    agent = _agent()
    for action in moves:
        agent = services.agent_transition(agent=agent, action=action)
    html = operator_client.get(_page(agent)).content.decode()
    assert _visible_moves(html) == visible
    assert f'action="/agents/{agent.id}/delete"' in html
    assert f'href="/agents/{agent.id}/edit"' in html


def test_lifecycle_button_moves_the_agent(operator_client: Client) -> None:
    agent = _agent()
    response = operator_client.post(_page(agent, "/activate"), follow=True)
    agent.refresh_from_db()
    assert agent.status == "active"
    html = response.content.decode()
    assert "Agent “scout” is now active." in html
    assert '<span class="status status-active" id="agent-status" data-testid="agent-status">active</span>' in html
    assert _visible_moves(html) == ["pause", "retire"]
    event = Event.objects.get(aggregate_id=agent.id, event_type="AgentActivated")
    assert event.metadata["actor"] == "user:otto"


def test_an_illegal_move_shows_an_error_and_changes_nothing(operator_client: Client) -> None:
    agent = services.agent_transition(agent=_agent(), action="retire")
    before = Event.objects.filter(aggregate_id=agent.id).count()
    response = operator_client.post(_page(agent, "/activate"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(_page(agent), 302)]
    html = response.content.decode()
    assert '<div class="flash error">An agent that is retired cannot activate.</div>' in html
    agent.refresh_from_db()
    assert agent.status == "retired"
    assert Event.objects.filter(aggregate_id=agent.id).count() == before


def test_unknown_action_is_404(operator_client: Client) -> None:
    agent = _agent()
    assert operator_client.post(_page(agent, "/fail")).status_code == 404
    assert operator_client.post(_page(agent, "/explode")).status_code == 404
    agent.refresh_from_db()
    assert agent.status == "registered"


def test_lifecycle_and_delete_need_post(operator_client: Client) -> None:
    agent = _agent()
    assert operator_client.get(_page(agent, "/activate")).status_code == 405
    assert operator_client.get(_page(agent, "/delete")).status_code == 405
    agent.refresh_from_db()
    assert agent.status == "registered"


def test_delete_removes_the_agent_and_keeps_its_log(operator_client: Client) -> None:
    agent = _agent()
    response = operator_client.post(_page(agent, "/delete"), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Agent “scout” deleted." in response.content.decode()
    assert not Agent.objects.exists()
    assert list(
        Event.objects.filter(aggregate_id=agent.id).values_list("event_type", flat=True).order_by("sequence_number")
    ) == [
        "AgentCreated",
        "AgentDeleted",
    ]
    assert operator_client.get(_page(agent)).status_code == 404


# --- the agent page: fields and log ----------------------------------------------------------------


def test_agent_page_shows_its_fields(viewer_client: Client) -> None:
    agent = _agent(description="finds <things>", capabilities=["search"], config={"model": "llama3"})
    html = viewer_client.get(_page(agent)).content.decode()
    assert str(agent.id) in html
    assert "finds &lt;things&gt;" in html
    assert '<span class="badge">search</span>' in html
    assert "&quot;model&quot;: &quot;llama3&quot;" in html
    assert f'data-agent-id="{agent.id}"' in html
    assert f'data-logs-url="/api/v1/agents/{agent.id}/logs/"' in html


def test_agent_page_lists_its_events_newest_first(operator_client: Client) -> None:
    agent = _agent()
    _agent("other")  # its events are not this agent's
    operator_client.post(_page(agent, "/activate"))
    operator_client.post(_page(agent, "/pause"))
    html = operator_client.get(_page(agent)).content.decode()
    rows = re.findall(
        r'<tr data-sequence="(\d+)">\s*<td[^>]*>.*?</td>\s*<td[^>]*>\d+</td>\s*<td>(\w+)</td>\s*<td>([^<]*)</td>',
        html,
        re.S,
    )
    assert [(seq, kind) for seq, kind, _ in rows] == [
        ("3", "AgentPaused"),
        ("2", "AgentActivated"),
        ("1", "AgentCreated"),
    ]
    assert [who for _, _, who in rows] == ["user:otto", "user:otto", "—"]  # the first came from a service call
    assert "&quot;previous_status&quot;: &quot;active&quot;" in html
    assert "3 events, newest first" in html


def test_agent_page_queries_do_not_grow_with_events(viewer_client: Client, django_assert_max_num_queries) -> None:
    agent = _agent()
    for number in range(30):
        agent = services.agent_update(agent=agent, description=f"take {number}")
    viewer_client.get(_page(agent))
    with django_assert_max_num_queries(5):  # the user, the agent, the count, the page (and one spare)
        response = viewer_client.get(_page(agent))
    assert response.content.decode().count("<tr data-sequence=") == 25


def test_agent_log_paginates(viewer_client: Client) -> None:
    agent = _agent()
    for number in range(15):
        agent = services.agent_update(agent=agent, description=f"take {number}")
        agent = services.agent_transition(agent=agent, action="activate" if number % 2 == 0 else "pause")
    # 1 created + 15 updates + 15 moves = 31 events
    first = viewer_client.get(_page(agent)).content.decode()
    assert first.count("<tr data-sequence=") == 25
    assert 'data-live="prepend"' in first
    assert 'href="?page=2"' in first
    second = viewer_client.get(_page(agent, "?page=2")).content.decode()
    assert re.findall(r'<tr data-sequence="(\d+)">', second) == ["6", "5", "4", "3", "2", "1"]
    assert 'data-live="notice"' in second


# --- viewers and CSRF --------------------------------------------------------------------------


def test_viewer_sees_pages_without_write_buttons(viewer_client: Client) -> None:
    agent = _agent()
    listing = viewer_client.get(LIST).content.decode()
    assert 'href="/agents/new"' not in listing
    page = viewer_client.get(_page(agent)).content.decode()
    assert "lifecycle-form" not in page
    assert "/delete" not in page
    assert "/edit" not in page
    assert "can look at agents but not change them" in page
    for path in (NEW, _page(agent, "/edit")):
        form = viewer_client.get(path).content.decode()
        assert 'data-testid="read-only"' in form
        assert '<button type="submit">' not in form
        assert re.search(r'<input type="text" name="name"[^>]*disabled', form)


def test_viewer_posts_get_403_and_change_nothing(viewer_client: Client) -> None:
    agent = _agent()
    for path in (
        NEW,
        _page(agent, "/edit"),
        _page(agent, "/activate"),
        _page(agent, "/retire"),
        _page(agent, "/delete"),
    ):
        assert viewer_client.post(path, _form(name="viewer-made")).status_code == 403, path
    agent.refresh_from_db()
    assert (agent.name, agent.status) == ("scout", "registered")
    assert Agent.objects.count() == 1
    assert Event.objects.filter(aggregate_type="Agent").count() == 1


def test_csrf_is_enforced_on_every_write(operator_user: User) -> None:
    agent = _agent()
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator_user)
    for path in (NEW, _page(agent, "/edit"), _page(agent, "/activate"), _page(agent, "/delete")):
        assert client.post(path, _form(name="forged")).status_code == 403, path
    agent.refresh_from_db()
    assert (agent.name, agent.status) == ("scout", "registered")
    assert Agent.objects.count() == 1

    page = client.get(_page(agent)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(_page(agent, "/activate"), {"csrfmiddlewaretoken": token}).status_code == 302
    agent.refresh_from_db()
    assert agent.status == "active"
