"""``evaluations/`` over HTTP against the Ollama stand-in, the Evaluator hub service and the admin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.evaluation.models import Evaluation
from apps.events.models import Event
from apps.llm.models import LlmRequest
from apps.llm.services import generate
from apps.workflows.models import WorkflowRun
from apps.workflows.services.definitions import workflow_create
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/evaluations/"
MISSING = "00000000-0000-0000-0000-000000000000"
ANSWER = "The capital of France is Paris."
RUBRIC = "Names the right capital city, in one sentence."
CHECKS = [{"type": "contains", "value": "Paris"}, {"type": "max_length", "value": 100}]


@pytest.fixture
def ollama(ollama_server: Any, settings: Any) -> Any:
    settings.OLLAMA_URL = ollama_server.url
    ollama_server.reply(ANSWER, json.dumps({"score": 8, "verdict": "pass", "reasons": ["Right city."]}))
    return ollama_server


@pytest.fixture
def operator_client(operator_user: Any) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _evaluate(client: Client, **body: Any) -> Any:
    return send(client, "post", URL, body)


def _made(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.content
    return response.json()


def test_checks_alone_need_no_model(operator_client: Client, ollama) -> None:
    ollama.down()
    body = _made(_evaluate(operator_client, output=ANSWER, checks=[*CHECKS, {"type": "regex", "pattern": "^Rome"}]))
    assert [r["passed"] for r in body["results"]] == [True, True, False]
    assert (body["score"], body["passed"], body["judge"], body["model"]) == (0.6667, False, None, "")
    assert (body["subject_type"], body["created_by"]) == ("text", "otto")
    event = Event.objects.get(aggregate_id=body["id"])
    assert (event.aggregate_type, event.event_type, event.payload["passed"]) == ("Evaluation", "OutputEvaluated", False)


def test_the_judge_scores_against_the_rubric(operator_client: Client, ollama) -> None:
    body = _made(_evaluate(operator_client, output=ANSWER, rubric=RUBRIC, checks=CHECKS))
    assert body["judge"] == {"score": 8, "verdict": "pass", "reasons": ["Right city."]}
    assert body["results"][-1] == {"name": "judge", "type": "judge", "passed": True, "detail": "score 8/10, pass"}
    assert (body["score"], body["passed"], body["model"]) == (round((1 + 1 + 0.8) / 3, 4), True, "llama2:7b")
    assert LlmRequest.objects.get(pk=body["llm_request_id"]).use_case == "chat"
    (sent,) = [b for path, b in ollama.requests if path == "/api/generate"]
    assert RUBRIC in sent["prompt"]
    assert ANSWER in sent["prompt"]
    assert sent["format"]["properties"]["verdict"] == {"enum": ["pass", "fail"]}


@pytest.mark.parametrize(
    ("reply", "problem"),
    [("Looks fine to me, 8/10.", "not JSON"), ('{"score": 11, "verdict": "pass", "reasons": []}', "does not fit")],
)
def test_an_unusable_judge_answer_is_a_failed_check(operator_client: Client, ollama, reply: str, problem: str) -> None:
    ollama.reply("Berlin", reply)
    body = _made(_evaluate(operator_client, output="Berlin.", rubric=RUBRIC))
    (judged,) = body["results"]
    assert (judged["name"], judged["passed"], body["judge"], body["score"], body["passed"]) == (
        "judge", False, None, 0.0, False,
    )  # fmt: skip
    assert problem in judged["detail"]


def test_ollama_down_is_503_when_a_rubric_is_asked_for(operator_client: Client, ollama) -> None:
    ollama.down()
    assert_envelope(_evaluate(operator_client, output=ANSWER, rubric=RUBRIC, checks=CHECKS), 503, "service_unavailable")
    assert not Evaluation.objects.exists()


def test_a_workflow_run_is_evaluated_on_its_outputs(operator_client: Client, ollama) -> None:
    workflow = workflow_create(name="wf", steps=[{"id": "ok", "kind": "approval", "message": "?"}])
    run = WorkflowRun.objects.create(workflow=workflow, version=workflow.versions.get(), outputs={"answer": 42})
    schema = {"type": "object", "required": ["answer"]}
    body = _made(_evaluate(operator_client, subject_type="workflow_run", subject_id=str(run.pk),
                           checks=[{"type": "json_schema", "schema": schema}]))  # fmt: skip
    assert (body["output"], body["passed"], body["subject_id"]) == ('{"answer": 42}', True, str(run.pk))
    missing = _evaluate(operator_client, subject_type="workflow_run", subject_id=MISSING, checks=CHECKS)
    assert_envelope(missing, 404, "not_found")
    assert_envelope(_evaluate(operator_client, subject_type="workflow_run", checks=CHECKS), 400, "invalid_request")
    found = send(operator_client, "get", URL, QUERY_STRING=f"subject_id={run.pk}").json()
    assert [e["id"] for e in found["results"]] == [body["id"]]


def test_an_llm_request_is_linked_not_stored(operator_client: Client, ollama, operator_user) -> None:
    answer = generate(prompt="The capital?", caller="test", user=operator_user)
    body = _made(_evaluate(operator_client, subject_type="llm_request", subject_id=answer.request_id,
                           output=ANSWER, checks=CHECKS))  # fmt: skip
    assert (body["subject_type"], body["subject_id"]) == ("llm_request", answer.request_id)
    no_output = _evaluate(operator_client, subject_type="llm_request", subject_id=answer.request_id, checks=CHECKS)
    assert "output" in assert_envelope(no_output, 400, "invalid_request")["details"]
    gone = _evaluate(operator_client, subject_type="llm_request", subject_id=MISSING, output=ANSWER, checks=CHECKS)
    assert_envelope(gone, 404, "not_found")


def test_lists_filter_by_subject_type_and_passed(operator_client: Client, viewer_client: Client, ollama) -> None:
    good = _made(_evaluate(operator_client, output=ANSWER, checks=CHECKS))
    bad = _made(_evaluate(operator_client, output="Rome", checks=CHECKS))
    listed = viewer_client.get(URL, {"passed": "true"}).json()
    assert [e["id"] for e in listed["results"]] == [good["id"]]
    assert [e["id"] for e in viewer_client.get(URL, {"passed": "false"}).json()["results"]] == [bad["id"]]
    assert viewer_client.get(URL, {"subject_type": "workflow_run"}).json()["results"] == []
    assert viewer_client.get(f"{URL}{good['id']}/").json()["score"] == 1.0


def test_refusals_401_403_400_404(operator_client: Client, viewer_client: Client, ollama) -> None:
    assert_envelope(_evaluate(Client(), output=ANSWER, checks=CHECKS), 401, "not_authenticated")
    assert_envelope(_evaluate(viewer_client, output=ANSWER, checks=CHECKS), 403, "permission_denied")
    assert_envelope(_evaluate(operator_client, output=ANSWER), 400, "invalid_request")  # nothing to do
    assert_envelope(_evaluate(operator_client, checks=CHECKS), 400, "invalid_request")  # nothing to evaluate
    bad_regex = assert_envelope(_evaluate(operator_client, output="x", checks=[{"type": "regex", "pattern": "("}]), 400)
    assert "checks[0]" in bad_regex["details"]
    too_long = _evaluate(operator_client, output="x" * 100_001, checks=CHECKS)
    assert "output" in assert_envelope(too_long, 400)["details"]
    assert_envelope(_evaluate(operator_client, output="x", checks=CHECKS, subject_type="poem"), 400)
    assert_envelope(send(operator_client, "get", f"{URL}{MISSING}/"), 404, "not_found")
    assert send(operator_client, "delete", f"{URL}{MISSING}/").status_code == 405


def _invoke(client: Client, method_name: str, params: dict[str, Any]) -> Any:
    body = {"service_name": "Evaluator", "method": method_name, "params": params}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_the_evaluator_hub_service(operator_client: Client, viewer_client: Client, ollama) -> None:
    made = _invoke(operator_client, "evaluate", {"output": ANSWER, "rubric": RUBRIC, "checks": CHECKS})
    assert made.status_code == 200, made.content
    result = made.json()["result"]
    assert (result["passed"], result["judge"]["verdict"]) == (True, "pass")
    assert_envelope(_invoke(viewer_client, "evaluate", {"output": ANSWER, "checks": CHECKS}), 403)
    assert_envelope(_invoke(operator_client, "evaluate", {"output": ANSWER}), 400)
    listed = _invoke(viewer_client, "results", {}).json()["result"]
    assert (listed["count"], listed["evaluations"][0]["id"]) == (1, result["id"])
    assert _invoke(viewer_client, "results", {"subject_id": MISSING}).json()["result"]["count"] == 0
    assert_envelope(_invoke(viewer_client, "results", {"subject_id": "nope"}), 400)
    ollama.down()
    assert_envelope(_invoke(operator_client, "evaluate", {"output": ANSWER, "rubric": RUBRIC}), 503)


def test_admin_is_read_only(operator_client: Client, staff_client: Client, ollama) -> None:
    made = _made(_evaluate(operator_client, output=ANSWER, checks=CHECKS))
    page = "/admin/evaluation/evaluation/"
    assert made["id"] in staff_client.get(page).content.decode()
    assert staff_client.get(f"{page}add/").status_code == 403
    assert staff_client.get(f"{page}{made['id']}/change/").status_code == 200
    assert staff_client.post(f"{page}{made['id']}/delete/", {"post": "yes"}).status_code == 403
