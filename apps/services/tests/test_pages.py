"""The service hub pages of the control center: the catalog with search and layer filter,
each service's documentation and its "try it" forms (issue 4 point 9)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.agents.models import Agent
from apps.services.models import Service, ServiceInvocation

pytestmark = pytest.mark.django_db

LIST = "/services"


def _try(service: str, method: str) -> str:
    return f"/services/{service}/try/{method}"


def _row_names(html: str) -> list[str]:
    return re.findall(r'<tr data-service="(\w+)"', html)


def _section(html: str, method: str) -> str:
    """The card of one method on a service page."""
    start = html.index(f'id="method-{method}"')
    end = html.find('<section class="card method"', start)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_anonymous_is_redirected_to_login(client: Client) -> None:
    for path in (LIST, "/services/AgentRegistry"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"
    response = client.post(_try("AgentRegistry", "create"), {"params": '{"name": "x", "layer": "L01"}'})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Agent.objects.exists()


def test_pages_send_csp_without_inline_code(viewer_client: Client) -> None:
    for path in (LIST, f"{LIST}?q=route", "/services/AgentRegistry"):
        response = viewer_client.get(path)
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert "style=" not in html
        assert "<script>" not in html
    assert "js/services.js" in viewer_client.get(LIST).content.decode()


def test_list_shows_every_service_with_health(viewer_client: Client) -> None:
    html = viewer_client.get(LIST).content.decode()
    services = list(Service.objects.filter(available=True).order_by("layer", "name"))
    assert len(services) > 5
    assert _row_names(html) == [service.name for service in services]
    assert html.count('data-testid="service-health"') == len(services)
    assert re.search(r'<tr data-service="RouteTable" data-layer="L09">', html)
    assert '<code class="method-name">routes</code>' in html
    assert "Which resources each /api/lNN/ layer route reaches." in html
    assert re.search(r'class="status status-(healthy|unhealthy)" data-testid="service-health"', html)
    assert '<a href="/services" aria-current="page">Services</a>' in html


def test_search_tolerates_typos(viewer_client: Client) -> None:
    html = viewer_client.get(LIST, {"q": "agnt regstry"}).content.decode()
    names = _row_names(html)
    assert names[0] == "AgentRegistry"
    assert len(names) < Service.objects.filter(available=True).count()
    assert 'value="agnt regstry"' in html


def test_search_without_match_says_so(viewer_client: Client) -> None:
    html = viewer_client.get(LIST, {"q": "zzqxjvvk"}).content.decode()
    assert _row_names(html) == []
    assert "No service matches." in html


def test_layer_filter(viewer_client: Client) -> None:
    html = viewer_client.get(LIST, {"layer": "L09"}).content.decode()
    names = _row_names(html)
    expected = list(Service.objects.filter(available=True, layer="L09").values_list("name", flat=True))
    assert names
    assert sorted(names) == sorted(expected)
    assert "RouteTable" in names
    assert set(re.findall(r'data-layer="(L\d\d)"', html)) == {"L09"}
    # with a search too, and an unknown layer is ignored
    # with a search too
    searched = _row_names(viewer_client.get(LIST, {"layer": "L09", "q": "route tabel"}).content.decode())
    assert searched[0] == "RouteTable"
    assert set(searched) <= set(expected)


def test_unknown_layer_is_ignored(viewer_client: Client) -> None:
    html = viewer_client.get(LIST, {"layer": "L99"}).content.decode()
    assert len(_row_names(html)) == Service.objects.filter(available=True).count()


def test_list_page_queries_do_not_grow(viewer_client: Client, django_assert_max_num_queries) -> None:
    viewer_client.get(LIST)  # warm the health cache
    with django_assert_max_num_queries(5):
        response = viewer_client.get(LIST)
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert viewer_client.get(LIST, {"q": "agent"}).status_code == 200


def test_service_page_documents_params(viewer_client: Client) -> None:
    response = viewer_client.get("/services/AgentRegistry")
    assert response.status_code == 200
    html = response.content.decode()
    create = _section(html, "create")
    assert 'data-param="name" data-required="true"' in create
    assert 'data-param="layer" data-required="true"' in create
    assert 'data-param="description" data-required="false"' in create
    assert "maxLength 100" in create
    assert "one of &quot;L01&quot;" in create
    assert 'data-testid="method-writes"' in create
    assert "timeout 30 s" in create
    listing = _section(html, "list")
    assert "min 1" in listing
    assert "max 100" in listing
    assert 'data-testid="method-writes"' not in listing
    # the result schema as formatted JSON, and the try-it form prefilled from required fields
    schema = re.search(r'<pre class="json" data-testid="result-schema-create">([^<]*)</pre>', create)
    assert schema
    assert '\n  "required": [' in unescape(schema.group(1))
    assert re.search(r'<textarea name="params"[^>]*>\s*\{\s*&quot;layer&quot;: &quot;L01&quot;', create)


def test_viewer_sees_write_methods_disabled(viewer_client: Client, operator_client: Client) -> None:
    create = _section(viewer_client.get("/services/AgentRegistry").content.decode(), "create")
    assert '<button type="submit" disabled>' in create
    assert 'data-testid="needs-write"' in create
    create = _section(operator_client.get("/services/AgentRegistry").content.decode(), "create")
    assert "disabled" not in create


def test_unknown_service_is_404(viewer_client: Client) -> None:
    assert viewer_client.get("/services/NoSuchService").status_code == 404
    assert viewer_client.post(_try("NoSuchService", "list"), {"params": "{}"}).status_code == 404
    assert viewer_client.post(_try("AgentRegistry", "nope"), {"params": "{}"}).status_code == 404
    assert viewer_client.get(_try("RouteTable", "routes")).status_code == 405


def test_try_a_read_method_shows_the_result(viewer_client: Client) -> None:
    response = viewer_client.post(_try("RouteTable", "routes"), {"params": "{}"})
    assert response.status_code == 200
    html = _section(response.content.decode(), "routes")
    assert 'data-testid="try-result"' in html
    record = ServiceInvocation.objects.get()
    assert (record.service_name, record.method, record.status, record.caller) == (
        "RouteTable",
        "routes",
        "succeeded",
        "user:vera",
    )
    assert str(record.id) in html
    assert " ms</span>" in html
    assert "&quot;layers&quot;: {" in html


def test_try_with_params_failing_the_schema_shows_the_field(operator_client: Client) -> None:
    response = operator_client.post(_try("AgentRegistry", "create"), {"params": '{"name": "", "layer": "L77"}'})
    assert response.status_code == 400
    html = _section(response.content.decode(), "create")
    assert 'data-testid="try-error"' in html
    assert "The params do not match the method&#x27;s schema." in html
    assert '<code class="error-field">layer</code>' in html
    assert '<code class="error-field">name</code>' in html
    assert "L77" in html  # what was typed stays in the textarea
    assert not Agent.objects.exists()


def test_bad_json_is_a_form_error(viewer_client: Client) -> None:
    for text, message in (("{not json", "Not valid JSON"), ("[1, 2]", "must be a JSON object")):
        response = viewer_client.post(_try("RouteTable", "routes"), {"params": text})
        assert response.status_code == 400
        html = _section(response.content.decode(), "routes")
        assert 'data-testid="form-error"' in html
        assert message in html
        assert 'class="try-form has-error"' in html
    assert not ServiceInvocation.objects.exists()


def test_viewer_cannot_create_an_agent(viewer_client: Client) -> None:
    response = viewer_client.post(_try("AgentRegistry", "create"), {"params": '{"name": "made", "layer": "L02"}'})
    assert response.status_code == 403
    html = _section(response.content.decode(), "create")
    assert 'data-testid="try-error"' in html
    assert "AgentRegistry.create writes: it needs write:services." in html
    assert not Agent.objects.exists()


def test_operator_creates_an_agent(operator_client: Client) -> None:
    params = '{"name": "made", "layer": "L02", "capabilities": ["search"]}'
    response = operator_client.post(_try("AgentRegistry", "create"), {"params": params})
    assert response.status_code == 200
    html = _section(response.content.decode(), "create")
    assert 'data-testid="try-result"' in html
    agent = Agent.objects.get()
    assert (agent.name, agent.layer, agent.status, agent.capabilities) == ("made", "L02", "registered", ["search"])
    assert str(agent.id) in html
    # a second time: the method's own refusal (409) is shown
    again = operator_client.post(_try("AgentRegistry", "create"), {"params": params})
    assert again.status_code == 409
    assert "An agent named made exists." in again.content.decode()


def test_csrf_is_enforced(viewer_user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer_user)
    assert client.post(_try("RouteTable", "routes"), {"params": "{}"}).status_code == 403
    assert not ServiceInvocation.objects.exists()
    page = client.get("/services/RouteTable").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(_try("RouteTable", "routes"), {"params": "{}", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert ServiceInvocation.objects.count() == 1
