"""WorkflowAnalyzer, TextComparer, EvaluationReport and ModelUsage through
``POST services/invoke/``, over real runs, evaluations and model calls."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.scopes import READ, WRITE
from apps.evaluation.models import Evaluation
from apps.evaluation.services import evaluate
from apps.llm.models import LlmRequest
from apps.llm.services import generate
from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tests.support import drive, service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

SCOPES = frozenset({READ, WRITE})


@pytest.fixture
def ollama(ollama_server: Any, settings: Any) -> Any:
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None) -> Any:
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


# --- WorkflowAnalyzer ------------------------------------------------------------------------

PIPELINE = [
    service_step("fetch", "AgentRegistry", "list"),
    service_step("routes", "RouteTable", "routes"),
    {"id": "summarise", "kind": "llm", "prompt": "Summarise {{ steps.fetch.output }}", "depends_on": ["fetch"]},
    {"id": "shape", "kind": "tool", "tool": "json_transform", "inputs": {}, "depends_on": ["routes"]},
    {"id": "review", "kind": "approval", "message": "Publish?", "depends_on": ["summarise", "shape"]},
    {**service_step("publish", "FeedPublisher", "announce", {"channel": "events:workflow", "type": "Done"}),
     "depends_on": ["review"]},
]  # fmt: skip


def test_a_workflows_dag_is_analysed(viewer_client: Client, settings) -> None:
    workflow_create(name="pipeline", steps=PIPELINE)
    body = _result(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"workflow": "pipeline"}))
    assert body["stages"] == [["fetch", "routes"], ["summarise", "shape"], ["review"], ["publish"]]
    assert (body["steps"], body["parallelism"]) == (6, 2)
    assert body["longest_chain"] == ["fetch", "summarise", "review", "publish"]
    assert body["services"] == ["AgentRegistry.list", "FeedPublisher.announce", "RouteTable.routes"]
    assert (body["tools"], body["models"], body["approvals"]) == (["json_transform"], [settings.LLM_MODELS["chat"]], 1)
    assert (body["valid"], body["problems"], body["on_cycle"]) == (True, {}, [])


def test_a_draft_definition_is_analysed_with_its_problems(viewer_client: Client) -> None:
    draft = {
        "steps": [
            {**service_step("a", "AgentRegistry", "list"), "depends_on": ["b"]},
            {**service_step("b", "AgentRegistry", "list"), "depends_on": ["a"]},
            service_step("c", "NoSuchService", "go"),
            {"id": "d", "kind": "llm", "prompt": "hi", "model": "mistral:7b", "depends_on": ["c", "ghost"]},
        ]
    }
    body = _result(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"definition": draft}))
    assert body["valid"] is False
    assert "unknown service 'NoSuchService'" in body["problems"]["steps.c"][0]
    assert "'ghost'" in body["problems"]["steps.d"][0]
    assert (body["stages"], body["longest_chain"], body["on_cycle"]) == ([["c"], ["d"]], ["c", "d"], ["a", "b"])
    assert body["models"] == ["mistral:7b"]
    cycle = _result(
        _invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"definition": {"steps": draft["steps"][:2]}})
    )
    assert "cycle" in cycle["problems"]["steps.a"][0]


def test_analyze_params_are_checked(viewer_client: Client) -> None:
    workflow_create(name="tiny", steps=[service_step("only", "RouteTable", "routes")])
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "analyze"), 400, "invalid_request")
    both = {"workflow": "tiny", "definition": {"steps": []}}
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", both), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"definition": {"steps": "x"}}), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"definition": {}}), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "analyze", {"workflow": "nope"}), 404, "not_found")
    assert_envelope(_invoke(Client(), "WorkflowAnalyzer", "analyze", {"workflow": "tiny"}), 401)


def _run(workflow: Workflow, user: Any) -> Any:
    return drive(run_execute(workflow=workflow, inputs={}, user=user, scopes=SCOPES))


def test_run_statistics_of_a_workflow(viewer_client: Client, operator_user) -> None:
    workflow = workflow_create(
        name="stats",
        steps=[
            service_step("list", "AgentRegistry", "list"),
            {**service_step("get", "AgentRegistry", "get", {"id": "{{ inputs.agent }}"}), "depends_on": ["list"]},
        ],
        inputs_schema={"type": "object", "properties": {"agent": {"type": "string"}}},
    )
    missing = str(uuid.uuid4())
    failed = drive(run_execute(workflow=workflow, inputs={"agent": missing}, user=operator_user, scopes=SCOPES))
    assert failed.status == RunStatus.FAILED
    workflow_create(name="other", steps=[service_step("only", "RouteTable", "routes")])
    _run(Workflow.objects.get(name="other"), operator_user)
    body = _result(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "stats"}))
    runs = body["runs"]
    assert (runs["runs"], runs["by_status"]["failed"], runs["by_status"]["succeeded"]) == (1, 1, 0)
    assert runs["success_rate"] == 0.0
    assert runs["p50_duration_ms"] is not None
    assert runs["p95_duration_ms"] >= runs["p50_duration_ms"]
    steps = {s["step_id"]: s for s in body["steps"]}
    assert list(steps) == ["list", "get"]
    assert (steps["list"]["runs"], steps["list"]["succeeded"], steps["list"]["failed"]) == (1, 1, 0)
    assert (steps["get"]["failed"], steps["get"]["attempts"], steps["get"]["kind"]) == (1, 1, "service")
    assert steps["list"]["p50_duration_ms"] is not None
    # an old run falls out of the window
    WorkflowRun.objects.filter(pk=failed.pk).update(created_at=timezone.now() - timedelta(days=10))
    assert _result(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "stats"}))["runs"]["runs"] == 0
    longer = _result(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "stats", "days": 30}))
    assert longer["runs"]["by_status"]["failed"] == 1


def test_stats_params_are_checked(viewer_client: Client) -> None:
    workflow_create(name="tiny", steps=[service_step("only", "RouteTable", "routes")])
    empty = _result(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "tiny"}))
    assert (empty["runs"]["runs"], empty["runs"]["success_rate"], empty["steps"]) == (0, None, [])
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "tiny", "days": 0}), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "tiny", "days": 91}), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {}), 400)
    assert_envelope(_invoke(viewer_client, "WorkflowAnalyzer", "stats", {"workflow": "nope"}), 404)


# --- TextComparer ----------------------------------------------------------------------------


def test_texts_are_compared(viewer_client: Client) -> None:
    a = "The agent fetched the data.\nIt summarised it.\nDone."
    b = "The agent fetched the data.\nIt summarised it twice.\nDone.\nPublished."
    body = _result(_invoke(viewer_client, "TextComparer", "compare", {"a": a, "b": b}))
    assert 80 < body["ratio"] < 100
    assert body["partial_ratio"] >= body["ratio"]
    assert (body["length_delta"], body["line_delta"], body["identical"]) == (len(b) - len(a), 1, False)
    assert body["diff"][:2] == ["--- a", "+++ b"]
    assert "-It summarised it." in body["diff"]
    assert "+It summarised it twice." in body["diff"]
    assert (body["diff_truncated"], body["semantic_similarity"]) == (False, None)
    shuffled = _result(
        _invoke(viewer_client, "TextComparer", "compare", {"a": "red green blue", "b": "blue red green"})
    )
    assert shuffled["token_set_ratio"] == 100.0
    assert shuffled["ratio"] < 100
    same = _result(_invoke(viewer_client, "TextComparer", "compare", {"a": a, "b": a}))
    assert (same["ratio"], same["diff"], same["identical"]) == (100.0, [], True)


def test_long_diffs_are_capped(viewer_client: Client) -> None:
    a = "\n".join(f"line {i}" for i in range(1000))
    b = "\n".join(f"line {i} x" for i in range(1000))
    body = _result(_invoke(viewer_client, "TextComparer", "compare", {"a": a, "b": b, "context_lines": 0}))
    assert (len(body["diff"]), body["diff_truncated"], body["line_delta"]) == (500, True, 0)


def test_compare_params_are_checked(viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "TextComparer", "compare", {"a": "x" * 20001, "b": "y"}), 400)
    assert_envelope(_invoke(viewer_client, "TextComparer", "compare", {"a": "x"}), 400)
    assert_envelope(_invoke(viewer_client, "TextComparer", "compare", {"a": "x", "b": "y", "context_lines": 99}), 400)
    blank = {"a": " ", "b": "y", "semantic": True}
    assert "blank" in assert_envelope(_invoke(viewer_client, "TextComparer", "compare", blank), 400)["message"]


def test_semantic_similarity_comes_from_the_embeddings(ollama, viewer_client: Client) -> None:
    same = {"a": "pause the agent", "b": "pause the agent", "semantic": True}
    body = _result(_invoke(viewer_client, "TextComparer", "compare", same))
    assert body["semantic_similarity"] == pytest.approx(1.0, abs=1e-5)
    assert body["model"] == "nomic-embed-text"
    apart = {"a": "pause the agent", "b": "weather forecast for tomorrow", "semantic": True}
    assert _result(_invoke(viewer_client, "TextComparer", "compare", apart))["semantic_similarity"] < 0.5
    ollama.down()
    down = {"a": "something new", "b": "something else", "semantic": True}
    body = assert_envelope(_invoke(viewer_client, "TextComparer", "compare", down), 503, "service_unavailable")
    assert "unreachable" in body["message"]
    # without semantic, the comparison needs no model
    assert _result(_invoke(viewer_client, "TextComparer", "compare", {"a": "x", "b": "y"}))["ratio"] == 0.0


# --- EvaluationReport ------------------------------------------------------------------------

JSON_OBJECT = {"type": "json_schema", "name": "is an object", "schema": {"type": "object"}}


def _evaluations(user: Any) -> dict[str, Evaluation]:
    """Four evaluations: one passing, two failing, one of a workflow run."""
    made = {
        "good": evaluate(output='{"a": 1}', checks=[JSON_OBJECT, {"type": "contains", "value": "a"}], user=user,
                         caller="test"),
        "bad": evaluate(output="hello", checks=[JSON_OBJECT, {"type": "min_length", "name": "long", "value": 10}],
                        user=user, caller="test"),
        "worse": evaluate(output="[]", checks=[JSON_OBJECT], user=user, caller="test"),
    }  # fmt: skip
    workflow = workflow_create(name="graded", steps=[service_step("only", "RouteTable", "routes")])
    run = run_execute(workflow=workflow, inputs={}, user=user, scopes=SCOPES)
    made["run"] = evaluate(output="nope", checks=[{"type": "regex", "name": "starts ok", "pattern": "^ok"}],
                           subject_type="workflow_run", subject_id=run.id, user=user, caller="test")  # fmt: skip
    return made


def test_evaluation_summary(viewer_client: Client, operator_user) -> None:
    made = _evaluations(operator_user)
    body = _result(_invoke(viewer_client, "EvaluationReport", "summary"))
    assert (body["evaluations"], body["passed"], body["pass_rate"]) == (4, 1, 0.25)
    kinds = {k["kind"]: k for k in body["by_kind"]}
    assert (kinds["json_schema"]["results"], kinds["json_schema"]["passed"]) == (3, 1)
    assert kinds["json_schema"]["pass_rate"] == pytest.approx(0.3333, abs=1e-4)
    assert (kinds["contains"]["pass_rate"], kinds["min_length"]["pass_rate"], kinds["regex"]["passed"]) == (1.0, 0.0, 0)
    assert body["most_failed"][0] == {"name": "is an object", "kind": "json_schema", "failures": 2}
    assert {f["name"] for f in body["most_failed"][1:]} == {"long", "starts ok"}
    assert body["judge"] == {"evaluations": 0, "avg_score": None}
    recent = body["recent_failing"]
    assert [r["id"] for r in recent] == [str(made[k].id) for k in ("run", "worse", "bad")]
    assert recent[0]["subject_type"] == "workflow_run"
    assert recent[2]["failed"] == ["is an object", "long"]


def test_evaluation_summary_of_one_workflow_and_a_window(viewer_client: Client, operator_user) -> None:
    made = _evaluations(operator_user)
    body = _result(_invoke(viewer_client, "EvaluationReport", "summary", {"workflow": "graded"}))
    assert (body["evaluations"], body["pass_rate"], [r["id"] for r in body["recent_failing"]]) == (
        1,
        0.0,
        [str(made["run"].id)],
    )
    Evaluation.objects.exclude(pk=made["good"].pk).update(created_at=timezone.now() - timedelta(days=3))
    recent = _result(_invoke(viewer_client, "EvaluationReport", "summary", {"days": 2}))
    assert (recent["evaluations"], recent["pass_rate"], recent["recent_failing"]) == (1, 1.0, [])


def test_the_judges_scores_are_averaged(ollama, viewer_client: Client, operator_user) -> None:
    ollama.reply("Paris", json.dumps({"score": 7, "verdict": "pass", "reasons": ["Right."]}))
    evaluate(output="Paris.", rubric="Names the capital of France.", user=operator_user, caller="test")
    body = _result(_invoke(viewer_client, "EvaluationReport", "summary"))
    assert body["judge"] == {"evaluations": 1, "avg_score": 7.0}
    assert {k["kind"]: k["passed"] for k in body["by_kind"]} == {"judge": 1}


def test_summary_params_are_checked(viewer_client: Client) -> None:
    empty = _result(_invoke(viewer_client, "EvaluationReport", "summary"))
    assert (empty["evaluations"], empty["pass_rate"], empty["by_kind"], empty["most_failed"]) == (0, None, [], [])
    assert_envelope(_invoke(viewer_client, "EvaluationReport", "summary", {"days": 0}), 400)
    assert_envelope(_invoke(viewer_client, "EvaluationReport", "summary", {"days": 91}), 400)
    assert_envelope(_invoke(viewer_client, "EvaluationReport", "summary", {"workflow": ""}), 400)
    assert_envelope(_invoke(viewer_client, "EvaluationReport", "summary", {"workflow": "nope"}), 404, "not_found")


# --- ModelUsage ------------------------------------------------------------------------------


def _call(**fields: Any) -> LlmRequest:
    row = {"kind": "generate", "model": "mistral:7b", "use_case": "code", "caller": f"workflow-run:{uuid.uuid4()}",
           "prompt_hash": "0" * 64, "status": "succeeded", **fields}  # fmt: skip
    return LlmRequest.objects.create(**row)


def test_model_usage_by_model_use_case_and_caller(ollama, viewer_client: Client, operator_user) -> None:
    generate(prompt="Colour of the sky?", caller="user:otto", user=operator_user)
    generate(prompt="Colour of grass?", caller="user:otto", user=operator_user)
    _call(latency_ms=100, ttft_ms=10, prompt_tokens=5, completion_tokens=7)
    _call(latency_ms=200, ttft_ms=30, prompt_tokens=5, completion_tokens=7, coalesced=True)
    _call(latency_ms=300, status="failed", error="boom")
    old = _call(latency_ms=5000)
    LlmRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    body = _result(_invoke(viewer_client, "ModelUsage", "usage"))
    assert body["group_by"] == "model"
    groups = {g["group"]: g for g in body["groups"]}
    mistral = groups["mistral:7b"]
    assert (mistral["calls"], mistral["errors"], mistral["coalesced"]) == (3, 1, 1)
    assert (mistral["prompt_tokens"], mistral["completion_tokens"]) == (10, 14)
    assert (mistral["p50_latency_ms"], mistral["p95_latency_ms"], mistral["p50_ttft_ms"]) == (200.0, 290.0, 20.0)
    llama = groups["llama2:7b"]
    assert (llama["calls"], llama["errors"]) == (2, 0)
    assert llama["prompt_tokens"] > 0
    assert body["totals"]["calls"] == 5
    by_caller = _result(_invoke(viewer_client, "ModelUsage", "usage", {"group_by": "caller"}))
    assert {g["group"]: g["calls"] for g in by_caller["groups"]} == {"workflow-run": 3, "user:otto": 2}
    by_use = _result(_invoke(viewer_client, "ModelUsage", "usage", {"group_by": "use_case", "hours": 48}))
    assert {g["group"]: g["calls"] for g in by_use["groups"]} == {"code": 4, "chat": 2}


def test_usage_params_are_checked(viewer_client: Client) -> None:
    assert _result(_invoke(viewer_client, "ModelUsage", "usage"))["groups"] == []
    assert_envelope(_invoke(viewer_client, "ModelUsage", "usage", {"hours": 0}), 400, "invalid_request")
    assert_envelope(_invoke(viewer_client, "ModelUsage", "usage", {"hours": 721}), 400)
    assert_envelope(_invoke(viewer_client, "ModelUsage", "usage", {"group_by": "user"}), 400)
    assert_envelope(_invoke(Client(), "ModelUsage", "usage"), 401)
