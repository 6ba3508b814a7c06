"""AuditTrail, ReportBuilder, InboundWebhooks, DependencyMap, ConfigInspector and
PromptExperiments through ``POST services/invoke/``."""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.agents.services import agent_create
from apps.integrations.signing import sign
from apps.learning.models import PromptUse, PromptVersion
from apps.learning.services.feedback import feedback_give
from apps.learning.services.prompts import template_create, template_update
from apps.llm.models import LlmRequest
from apps.tools.services import tool_execute
from apps.workflows.models import RunStatus, WebhookTrigger, WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.tests.support import service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None) -> Any:
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


# --- AuditTrail -----------------------------------------------------------------------------------------------


def test_audit_trail_finds_what_a_request_did_and_who_did_it(operator_client: Client, staff_client: Client) -> None:
    made = _invoke(operator_client, "AgentRegistry", "create", {"name": "audited", "layer": "L02"})
    request_id = made["X-Request-ID"]
    _invoke(staff_client, "AgentRegistry", "create", {"name": "by-ada", "layer": "L02"})
    by_request = _result(_invoke(staff_client, "AuditTrail", "search", {"request_id": request_id}))
    assert [(e["event_type"], e["metadata"]["actor"]) for e in by_request["events"]] == [("AgentCreated", "user:otto")]
    with_calls = _result(
        _invoke(staff_client, "AuditTrail", "search", {"request_id": request_id, "include_service_calls": True})
    )
    assert [e["event_type"] for e in with_calls["events"]] == ["ServiceInvoked", "AgentCreated"]  # newest first
    by_actor = _result(_invoke(staff_client, "AuditTrail", "search", {"actor": "user:otto"}))
    assert [e["payload"]["name"] for e in by_actor["events"]] == ["audited"]
    typed = _result(_invoke(staff_client, "AuditTrail", "search", {"event_type": "AgentCreated", "limit": 1}))
    assert (typed["count"], typed["more"], typed["events"][0]["payload"]["name"]) == (1, True, "by-ada")


def test_audit_trail_filters_by_time_and_checks_its_params(staff_client: Client, operator_user) -> None:
    agent_create(name="early", layer="L02")
    now = timezone.now()
    future = (now + timedelta(hours=1)).isoformat()
    assert _result(_invoke(staff_client, "AuditTrail", "search", {"since": future}))["events"] == []
    naive = (now - timedelta(hours=1)).replace(tzinfo=None).isoformat()  # taken as UTC
    found = _result(_invoke(staff_client, "AuditTrail", "search", {"since": naive, "aggregate_type": "Agent"}))
    assert [e["payload"]["name"] for e in found["events"]] == ["early"]
    before = _result(_invoke(staff_client, "AuditTrail", "search", {"until": naive, "aggregate_type": "Agent"}))
    assert before["events"] == []
    bad = assert_envelope(_invoke(staff_client, "AuditTrail", "search", {"since": "yesterday"}), 400)
    assert "since" in bad["details"]
    assert_envelope(_invoke(staff_client, "AuditTrail", "search", {"since": future, "until": naive}), 400)
    assert_envelope(_invoke(staff_client, "AuditTrail", "search", {"limit": 0}), 400)
    assert_envelope(_invoke(staff_client, "AuditTrail", "search", {"who": "x"}), 400)
    assert_envelope(_invoke(staff_client, "AuditTrail", "search", {"aggregate_id": "nope"}), 400)


def test_audit_trail_needs_admin(operator_client: Client, viewer_client: Client) -> None:
    refused = assert_envelope(_invoke(operator_client, "AuditTrail", "search"), 403, "permission_denied")
    assert "admin:platform" in refused["message"]
    assert_envelope(_invoke(viewer_client, "AuditTrail", "search"), 403)
    assert_envelope(_invoke(viewer_client, "AuditTrail", "nope"), 404)


# --- ReportBuilder --------------------------------------------------------------------------------------------


@pytest.fixture
def activity(operator_user, make_key) -> None:
    """A day of activity: agents, runs that succeed and fail, model calls, a tool run, and a run from
    two days ago that the report must not count."""
    agent_create(name="fresh", layer="L02")
    workflow = workflow_create(name="daily", steps=[service_step("r", "RouteTable", "routes")])
    version = workflow.versions.get()
    for status, error in ((RunStatus.SUCCEEDED, ""), (RunStatus.FAILED, "step r failed: boom"),
                          (RunStatus.SUCCEEDED, ""), (RunStatus.RUNNING, "")):  # fmt: skip
        WorkflowRun.objects.create(workflow=workflow, version=version, status=status, error=error)
    old = WorkflowRun.objects.create(workflow=workflow, version=version, status=RunStatus.FAILED, error="old")
    WorkflowRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=48))
    for status, error in (("succeeded", ""), ("failed", "Ollama is unreachable"), ("failed", "Ollama is unreachable")):
        LlmRequest.objects.create(kind="generate", model="llama2:7b", caller="user:otto", prompt_hash="0" * 64,
                                  status=status, error=error, prompt_tokens=10, completion_tokens=5)  # fmt: skip
    tool_execute(name="json_transform", inputs={"data": {"a": 1}, "expression": "a"}, caller="test")
    make_key(operator_user, "read:services")  # an account event (ApiKeyCreated)


def test_report_builder_counts_the_window_and_renders_markdown(
    activity, staff_client: Client, viewer_client: Client
) -> None:
    _invoke(viewer_client, "RouteTable", "routes")
    _invoke(staff_client, "RouteTable", "routes")
    body = _result(_invoke(staff_client, "ReportBuilder", "activity", {"hours": 24}))
    report = body["report"]
    assert report["window"]["hours"] == 24
    assert (report["agents"]["created"], report["agents"]["by_status"]) == (1, {"registered": 1})
    runs = report["workflow_runs"]
    assert (runs["total"], runs["finished"], runs["success_rate"]) == (4, 3, pytest.approx(0.667))
    assert runs["by_status"] == {"succeeded": 2, "failed": 1, "running": 1}
    assert report["llm"] == {"calls": 3, "errors": 2, "prompt_tokens": 30, "completion_tokens": 15,
                             "by_model": {"llama2:7b": 3}}  # fmt: skip
    calls = report["service_invocations"]
    assert (calls["scope"], calls["total"], calls["top_services"][0]) == (
        "everyone",
        2,
        {"service_name": "RouteTable", "calls": 2, "failed": 0},
    )
    assert report["tool_executions"]["by_tool"] == {"json_transform": 1}
    assert report["events"]["by_type"]["ApiKeyCreated"] == 1
    assert report["errors"][0] == {"source": "llm", "error": "Ollama is unreachable", "count": 2}
    assert {"source": "workflow_run", "error": "step r failed: boom", "count": 1} in report["errors"]
    assert all(e["error"] != "old" for e in report["errors"])
    markdown = body["markdown"]
    assert markdown.startswith("# Activity report: the last 24 h\n")
    assert "success rate 66.7%" in markdown
    assert "| llm | Ollama is unreachable | 2 |" in markdown
    assert "| RouteTable | 2 | 0 |" in markdown


def test_report_builder_shows_others_only_what_they_may_see(
    activity, staff_client: Client, viewer_client: Client
) -> None:
    _invoke(staff_client, "RouteTable", "routes")
    _invoke(viewer_client, "TokenInspector", "inspect", {"token": "nope"})
    report = _result(_invoke(viewer_client, "ReportBuilder", "activity"))["report"]
    calls = report["service_invocations"]
    assert (calls["scope"], calls["total"], [s["service_name"] for s in calls["top_services"]]) == (
        "yours",
        1,
        ["TokenInspector"],
    )
    assert "ApiKeyCreated" not in report["events"]["by_type"]
    assert report["workflow_runs"]["total"] == 4  # runs are for every reader


def test_report_builder_checks_hours(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "ReportBuilder", "activity", {"hours": 0}), 400)
    assert_envelope(_invoke(viewer_client, "ReportBuilder", "activity", {"hours": 721}), 400)
    empty = _result(_invoke(viewer_client, "ReportBuilder", "activity", {"hours": 1}))
    assert empty["report"]["workflow_runs"]["success_rate"] is None
    assert "n/a (no finished runs)" in empty["markdown"]
    assert_envelope(_invoke(viewer_client, "ReportBuilder", "weekly"), 404)


# --- InboundWebhooks ------------------------------------------------------------------------------------------


@pytest.fixture
def workflow():
    return workflow_create(name="intake", steps=[service_step("r", "RouteTable", "routes")])


def _hook_post(client: Client, path: str, body: dict, secret: str | None = None) -> Any:
    raw = json.dumps(body).encode()
    headers = {}
    if secret:
        now = int(time.time())
        headers = {"X-StoryPortal-Timestamp": str(now), "X-StoryPortal-Signature": sign(secret, now, raw)}
    return client.post(path, raw, content_type="application/json", headers=headers)


def test_inbound_webhooks_create_list_and_delete(
    workflow, operator_client: Client, viewer_client: Client, client: Client
) -> None:
    made = _result(_invoke(operator_client, "InboundWebhooks", "create", {"workflow": "intake", "name": "ci"}))
    assert made["signing_secret"].startswith("whsec_")
    assert made["url_path"].startswith("/api/v1/hooks/whk_")
    assert (made["signed"], made["enabled"], made["created_by"]) == (True, True, "otto")
    started = _hook_post(client, made["url_path"], {"ref": "main"}, made["signing_secret"])
    assert started.status_code == 202, started.content
    run = WorkflowRun.objects.get(pk=started.json()["run_id"])
    assert (run.trigger, run.inputs, run.triggered_by.username) == ("webhook", {"ref": "main"}, "otto")
    listed = _result(_invoke(viewer_client, "InboundWebhooks", "list", {"workflow": "intake"}))
    assert listed["count"] == 1
    assert listed["triggers"][0]["last_used_at"] is not None
    assert "url_path" not in listed["triggers"][0]
    assert "signing_secret" not in listed["triggers"][0]
    assert made["signing_secret"] not in json.dumps(listed)
    deleted = _result(_invoke(operator_client, "InboundWebhooks", "delete", {"trigger_id": made["id"]}))
    assert deleted == {"deleted": True, "id": made["id"]}
    assert_envelope(_hook_post(client, made["url_path"], {}, made["signing_secret"]), 404)
    assert _result(_invoke(viewer_client, "InboundWebhooks", "list", {"workflow": "intake"}))["count"] == 0


def test_inbound_webhooks_rotate_keeps_name_and_signing(workflow, operator_client: Client, client: Client) -> None:
    params = {"workflow": "intake", "name": "plain", "signed": False}
    made = _result(_invoke(operator_client, "InboundWebhooks", "create", params))
    assert made["signing_secret"] is None
    rotated = _result(_invoke(operator_client, "InboundWebhooks", "rotate", {"trigger_id": made["id"]}))
    assert (rotated["name"], rotated["signed"], rotated["signing_secret"]) == ("plain", False, None)
    assert rotated["url_path"] != made["url_path"]
    assert_envelope(_hook_post(client, made["url_path"], {}), 404)
    assert _hook_post(client, rotated["url_path"], {}).status_code == 202
    events = [e.event_type for e in workflow_events(workflow)]
    assert events[-3:] == ["WebhookTriggerCreated", "WebhookTriggerCreated", "WebhookTriggerDeleted"]
    WebhookTrigger.objects.filter(pk=rotated["id"]).update(enabled=False)  # as the admin disables one
    refused = assert_envelope(_invoke(operator_client, "InboundWebhooks", "rotate", {"trigger_id": rotated["id"]}), 409)
    assert "disabled" in refused["message"]


def workflow_events(workflow) -> list:
    from apps.events.selectors import events_of

    return list(events_of(aggregate_id=str(workflow.id)))


def test_inbound_webhooks_refuse_viewers_bad_params_and_unknowns(
    workflow, operator_client: Client, viewer_client: Client
) -> None:
    assert_envelope(_invoke(viewer_client, "InboundWebhooks", "create", {"workflow": "intake", "name": "x"}), 403)
    assert_envelope(_invoke(viewer_client, "InboundWebhooks", "rotate", {"trigger_id": MISSING}), 403)
    assert_envelope(_invoke(viewer_client, "InboundWebhooks", "delete", {"trigger_id": MISSING}), 403)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "create", {"workflow": "nope", "name": "x"}), 404)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "list", {"workflow": "nope"}), 404)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "rotate", {"trigger_id": MISSING}), 404)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "delete", {"trigger_id": MISSING}), 404)
    bad = {"workflow": "intake", "name": "x", "signed": "yes"}
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "create", bad), 400)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "create", {"workflow": "intake", "name": ""}), 400)
    assert_envelope(_invoke(operator_client, "InboundWebhooks", "delete", {"trigger_id": "nope"}), 400)
    assert not WebhookTrigger.objects.exists()


# --- DependencyMap --------------------------------------------------------------------------------------------


def test_dependency_map_groups_services_by_what_their_health_follows(
    viewer_client: Client, ollama_server, settings
) -> None:
    settings.OLLAMA_URL = ollama_server.url
    started = time.monotonic()
    graph = {d["name"]: d for d in _result(_invoke(viewer_client, "DependencyMap", "graph"))["dependencies"]}
    assert time.monotonic() - started < 3
    assert set(graph) >= {"postgres", "redis", "ollama", "workers", "none"}
    assert (graph["postgres"]["status"], graph["postgres"]["critical"]) == ("healthy", True)
    assert graph["ollama"]["status"] == "healthy"
    assert {"AgentRegistry", "KnowledgeBase"} <= set(graph["postgres"]["services"])
    assert {"ModelRegistry", "KnowledgeBase"} <= set(graph["ollama"]["services"])
    assert {"RouteTable", "WebFetcher", "ConfigInspector"} <= set(graph["none"]["services"])
    assert graph["none"]["status"] == "n/a"
    l04 = next(layer for layer in graph["ollama"]["layers"] if layer["code"] == "L04")
    assert l04["if_down"] == "unhealthy"
    l05 = next(layer for layer in graph["ollama"]["layers"] if layer["code"] == "L05")
    assert l05["if_down"] == "degraded"


def test_dependency_map_impact_names_what_goes_down(viewer_client: Client, ollama_server, settings) -> None:
    settings.OLLAMA_URL = ollama_server.url
    ollama_server.down()
    impact = _result(_invoke(viewer_client, "DependencyMap", "impact", {"dependency": "ollama"}))
    assert impact["status"] == "unhealthy"
    assert "Ollama is not reachable" in impact["error"]
    names = {s["name"] for s in impact["services"]}
    assert {"ModelRegistry", "EmbeddingService", "KnowledgeBase"} <= names
    assert "SessionStore" not in names
    redis = _result(_invoke(viewer_client, "DependencyMap", "impact", {"dependency": "redis"}))
    assert redis["status"] == "healthy"
    assert "SessionStore" in {s["name"] for s in redis["services"]}
    assert_envelope(_invoke(viewer_client, "DependencyMap", "impact", {"dependency": "mongodb"}), 404)
    assert_envelope(_invoke(viewer_client, "DependencyMap", "impact", {"dependency": "none"}), 404)
    assert_envelope(_invoke(viewer_client, "DependencyMap", "impact", {"dependency": ""}), 400)
    assert_envelope(_invoke(viewer_client, "DependencyMap", "impact"), 400)


# --- ConfigInspector ------------------------------------------------------------------------------------------

SECRET_VALUES = {
    "DJANGO_SECRET_KEY": "django-secret-key-value-123",
    "API_KEY_SALT": "salt-value-456",
    "JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----signing-key-789",
    "METRICS_TOKEN": "metrics-token-000",
    "DATABASE_PASSWORD": "db-pa55word",
}


def test_config_inspector_never_shows_a_secret(staff_client: Client, monkeypatch, settings) -> None:
    for name, value in SECRET_VALUES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDIS_URL", "redis://:redis-pa55@cache:6379/0")
    monkeypatch.setenv("OLLAMA_URL", "http://user:ollama-pa55@ollama:11434")
    response = _invoke(staff_client, "ConfigInspector", "settings")
    sections = _result(response)["sections"]
    assert set(sections) == {"connections", "http", "runtime", "secrets"}
    assert sections["secrets"]["API_KEY_SALT"] == {"value": "********", "source": "environment"}
    assert sections["connections"]["REDIS_URL"]["value"] == "redis://:********@cache:6379/0"
    assert sections["connections"]["OLLAMA_URL"]["value"] == "http://user:********@ollama:11434"
    limits = _invoke(staff_client, "ConfigInspector", "limits")
    text = response.content.decode() + limits.content.decode()
    secrets = [*SECRET_VALUES.values(), "redis-pa55", "ollama-pa55", settings.SECRET_KEY, settings.API_KEY_SALT,
               settings.SIMPLE_JWT["SIGNING_KEY"], settings.DATABASES["default"].get("PASSWORD")]  # fmt: skip
    for secret in filter(None, secrets):
        assert secret not in text, secret


def test_config_inspector_shows_one_section_and_the_limits(staff_client: Client, settings) -> None:
    only = _result(_invoke(staff_client, "ConfigInspector", "settings", {"section": "runtime"}))["sections"]
    assert list(only) == ["runtime"]
    assert only["runtime"]["DEBUG"] == {"value": settings.DEBUG, "source": "settings"}
    assert_envelope(_invoke(staff_client, "ConfigInspector", "settings", {"section": "everything"}), 400)
    limits = _result(_invoke(staff_client, "ConfigInspector", "limits"))["limits"]
    assert limits["throttle_rates"]["llm_generate"] == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["llm_generate"]
    assert limits["max_request_body_bytes"] == 10 * 1024 * 1024
    assert limits["retention_days"] == {"workflow_runs": settings.WORKFLOW_RUN_RETENTION_DAYS,
                                        "workflow_outputs": settings.WORKFLOW_OUTPUT_RETENTION_DAYS}  # fmt: skip
    assert limits["llm"]["routing"]["embeddings"] == settings.LLM_MODELS["embeddings"]
    assert limits["llm"]["timeout_seconds"] == settings.LLM_TIMEOUT_SECONDS


def test_config_inspector_is_for_admins(operator_client: Client, viewer_client: Client) -> None:
    assert_envelope(_invoke(operator_client, "ConfigInspector", "settings"), 403, "permission_denied")
    assert_envelope(_invoke(viewer_client, "ConfigInspector", "limits"), 403, "permission_denied")


# --- PromptExperiments ----------------------------------------------------------------------------------------


@pytest.fixture
def versions(operator_user) -> dict[int, PromptVersion]:
    """The template ``greet`` with three versions."""
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    template_update(template=template, text="Hi {{ name }}!", user=operator_user)
    template_update(template=template, text="Dear {{ name }},", user=operator_user)
    return {v.version: v for v in PromptVersion.objects.filter(template=template)}


def _score(version: PromptVersion, user: Any, *scores: int) -> None:
    for score in scores:
        feedback_give(subject_type="prompt_version", subject_id=version.pk, user=user, score=score)


def test_prompt_experiments_compare_two_versions(versions, operator_user, viewer_client: Client) -> None:
    a_scores, b_scores = [2, 3, 2, 3, 2, 3], [4, 5, 4, 5, 5]
    _score(versions[1], operator_user, *a_scores)
    _score(versions[2], operator_user, *b_scores[:-1])
    call = LlmRequest.objects.create(kind="generate", model="llama2:7b", caller="user:otto", prompt_hash="0" * 64,
                                     status="succeeded")  # fmt: skip
    PromptUse.objects.create(version=versions[2], llm_request_id=call.pk)
    feedback_give(subject_type="llm_request", subject_id=call.pk, user=operator_user, score=5)  # counts for v2
    feedback_give(subject_type="prompt_version", subject_id=versions[2].pk, user=operator_user, label="good")
    params = {"template": "greet", "version_a": 1, "version_b": 2}
    result = _result(_invoke(viewer_client, "PromptExperiments", "compare", params))
    a, b, difference = result["a"], result["b"], result["difference"]
    assert (a["version"], a["count"], a["mean"]) == (1, 6, 2.5)
    assert (b["count"], b["mean"]) == (5, pytest.approx(4.6))
    assert b["stddev"] == pytest.approx(statistics.stdev(b_scores), abs=1e-4)
    margin = 1.96 * statistics.stdev(a_scores) / len(a_scores) ** 0.5
    assert a["ci95"] == [pytest.approx(2.5 - margin, abs=1e-4), pytest.approx(2.5 + margin, abs=1e-4)]
    se = (statistics.variance(a_scores) / 6 + statistics.variance(b_scores) / 5) ** 0.5
    assert difference["t_statistic"] == pytest.approx((4.6 - 2.5) / se, abs=1e-3)
    assert difference["difference"] == pytest.approx(2.1)
    assert difference["significant"] is True
    assert "normal approximation" in difference["note"]


def test_prompt_experiments_say_when_there_is_too_little_to_test(versions, operator_user, viewer_client) -> None:
    _score(versions[1], operator_user, 4)
    _score(versions[3], operator_user, 4, 5)
    result = _result(_invoke(viewer_client, "PromptExperiments", "compare",
                             {"template": "greet", "version_a": 1, "version_b": 3}))  # fmt: skip
    assert result["a"]["stddev"] is None
    assert result["a"]["ci95"] is None
    assert (result["difference"]["t_statistic"], result["difference"]["significant"]) == (None, False)
    same = {"template": "greet", "version_a": 2, "version_b": 2}
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "compare", same), 400)
    missing = {"template": "greet", "version_a": 1, "version_b": 9}
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "compare", missing), 404)
    unknown = {"template": "nope", "version_a": 1, "version_b": 2}
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "compare", unknown), 404)
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "compare", {"template": "greet", "version_a": 1}), 400)


def test_prompt_experiments_leaderboard_damps_small_samples(versions, operator_user, viewer_client) -> None:
    _score(versions[1], operator_user, 5, 5)  # two lucky scores
    _score(versions[2], operator_user, *([5, 5, 5, 4] * 5))  # twenty, mean 4.75
    _score(versions[3], operator_user, 1, 2, 1)
    board = _result(_invoke(viewer_client, "PromptExperiments", "leaderboard", {"template": "greet"}))
    every = [5, 5, *([5, 5, 5, 4] * 5), 1, 2, 1]
    prior = statistics.fmean(every)
    assert board["prior_mean"] == pytest.approx(prior, abs=1e-4)
    assert [(v["rank"], v["version"], v["count"]) for v in board["versions"]] == [(1, 2, 20), (2, 1, 2), (3, 3, 3)]
    assert board["versions"][0]["damped_score"] == pytest.approx((5 * prior + 95) / 25, abs=1e-4)
    raw = _result(_invoke(viewer_client, "PromptExperiments", "leaderboard", {"template": "greet", "prior_weight": 0}))
    assert [v["version"] for v in raw["versions"]] == [1, 2, 3]  # undamped, the lucky two win
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "leaderboard", {"template": "nope"}), 404)
    assert_envelope(_invoke(viewer_client, "PromptExperiments", "leaderboard", {"template": "greet",
                                                                                 "prior_weight": -1}), 400)  # fmt: skip


def test_an_unscored_template_ranks_on_the_neutral_prior(versions, viewer_client: Client) -> None:
    board = _result(_invoke(viewer_client, "PromptExperiments", "leaderboard", {"template": "greet"}))
    assert board["prior_mean"] == 3.0
    assert [(v["version"], v["count"], v["mean"], v["damped_score"]) for v in board["versions"]] == [
        (3, 0, None, 3.0), (2, 0, None, 3.0), (1, 0, None, 3.0)]  # fmt: skip
