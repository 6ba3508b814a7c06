"""``prompt-templates/``: versions, sandboxed rendering, runs against the Ollama stand-in and
average scores per version."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.events.models import Event
from apps.learning.models import PromptTemplate, PromptUse
from apps.learning.services.feedback import feedback_give
from apps.learning.services.prompts import template_create, template_update
from apps.llm.models import LlmRequest
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/prompt-templates/"
TEXT = "Summarise for {{ audience }}:\n{% for line in lines %}- {{ line }}\n{% endfor %}"


def _create(client: Client, **body: Any) -> Any:
    return send(client, "post", URL, {"name": "summary", "text": TEXT, **body})


def test_create_and_edit_make_versions(operator_client: Client) -> None:
    made = _create(operator_client, description="Short summaries", note="first")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["current_version"], body["text"], body["variables"]) == (1, TEXT, ["audience", "lines"])
    detail = f"{URL}{body['id']}/"
    same_text = send(operator_client, "patch", detail, {"description": "Shorter", "text": TEXT}).json()
    assert same_text["current_version"] == 1  # only the description changed
    edited = send(operator_client, "patch", detail, {"text": "Hi {{ name }}", "note": "simpler"}).json()
    assert (edited["current_version"], edited["text"], edited["variables"]) == (2, "Hi {{ name }}", ["name"])
    versions = operator_client.get(f"{detail}versions/").json()["results"]
    assert [(v["version"], v["note"], v["variables"]) for v in versions] == [
        (2, "simpler", ["name"]), (1, "first", ["audience", "lines"])
    ]  # fmt: skip
    events = Event.objects.filter(aggregate_id=body["id"]).order_by("sequence_number")
    assert [e.event_type for e in events] == ["PromptTemplateCreated", "PromptTemplateUpdated", "PromptTemplateUpdated"]
    assert events.last().payload["changed"] == ["text"]


def test_bad_templates_are_refused(operator_client: Client) -> None:
    assert _create(operator_client).status_code == 201
    assert "name" in assert_envelope(_create(operator_client), 400)["details"]
    broken = assert_envelope(_create(operator_client, name="broken", text="{% if %}"), 400)
    assert broken["details"]["text"][0].startswith("line 1")
    assert "use_case" in assert_envelope(_create(operator_client, name="x", use_case="embeddings"), 400)["details"]
    assert PromptTemplate.objects.count() == 1


def test_render_the_current_or_an_older_version(viewer_client: Client, operator_user) -> None:
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    template_update(template=template, text="Goodbye {{ name }}!", user=operator_user)
    render = f"{URL}{template.pk}/render/"
    current = send(viewer_client, "post", render, {"variables": {"name": "Ada"}}).json()
    assert (current["version"], current["text"]) == (2, "Goodbye Ada!")
    older = send(viewer_client, "post", render, {"variables": {"name": "Ada"}, "version": 1}).json()
    assert older["text"] == "Hello Ada"
    assert_envelope(send(viewer_client, "post", render, {"variables": {"name": "Ada"}, "version": 9}), 404)


def test_an_undefined_variable_is_a_400_naming_it(viewer_client: Client, operator_user) -> None:
    template = template_create(name="greet", text="Hello {{ name }} from {{ place }}", user=operator_user)
    body = assert_envelope(
        send(viewer_client, "post", f"{URL}{template.pk}/render/", {"variables": {"name": "A"}}), 400
    )
    assert "'place' is undefined" in body["message"]
    assert body["details"]["variables"] == ["'place' is undefined"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{{ ''.__class__.__mro__ }}", "unsafe"),
        ("{{ name.__class__.__init__.__globals__ }}", "unsafe"),
        ("{% set l = [] %}{{ l.append(1) }}", "unsafe"),
        ("{{ 'x' * 1000000 }}", "repetition"),
    ],
)
def test_sandbox_escapes_are_refused(viewer_client: Client, operator_user, text: str, words: str) -> None:
    template = template_create(name="evil", text=text, user=operator_user)
    body = assert_envelope(
        send(viewer_client, "post", f"{URL}{template.pk}/render/", {"variables": {"name": "a"}}), 400
    )
    assert words in body["details"]["text"][0]


def test_run_calls_the_model_and_links_the_call_to_the_version(operator_client: Client, operator_user, ollama) -> None:
    ollama.reply("Summarise for engineers", "Two bullet points.")
    template = template_create(name="summary", text=TEXT, user=operator_user)
    body = {"variables": {"audience": "engineers", "lines": ["a", "b"]}}
    response = send(operator_client, "post", f"{URL}{template.pk}/run/", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["response"], answer["version"], answer["model"]) == ("Two bullet points.", 1, "llama2:7b")
    assert answer["prompt"] == "Summarise for engineers:\n- a\n- b\n"
    call = LlmRequest.objects.get(pk=answer["request_id"])
    assert (call.caller, call.use_case, call.user) == ("user:otto", "chat", operator_user)
    use = PromptUse.objects.get()
    assert (str(use.llm_request_id), use.version.version) == (answer["request_id"], 1)


def test_running_needs_write_and_a_model(viewer_client: Client, operator_client: Client, operator_user, ollama) -> None:
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    run = f"{URL}{template.pk}/run/"
    assert_envelope(send(viewer_client, "post", run, {"variables": {"name": "A"}}), 403)
    assert_envelope(send(operator_client, "post", run, {"variables": {}}), 400)  # refused before any call
    ollama.down()
    assert_envelope(send(operator_client, "post", run, {"variables": {"name": "A"}}), 503)
    assert not PromptUse.objects.exists()


def test_runs_are_limited_like_generation(operator_client: Client, operator_user, ollama, settings) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "llm_generate": "1/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    template = template_create(name="greet", text="Hello", user=operator_user)
    assert send(operator_client, "post", f"{URL}{template.pk}/run/", {}).status_code == 200
    assert_envelope(send(operator_client, "post", f"{URL}{template.pk}/run/", {}), 429)
    assert send(operator_client, "post", f"{URL}{template.pk}/render/", {}).status_code == 200


def test_average_scores_per_version(viewer_client: Client, operator_client: Client, operator_user, ollama,
                                    django_assert_max_num_queries) -> None:  # fmt: skip
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    first = template.versions.get()
    call = send(operator_client, "post", f"{URL}{template.pk}/run/", {"variables": {"name": "A"}}).json()
    template_update(template=template, text="Hi {{ name }}", user=operator_user)
    second = template.versions.get(version=2)
    give = {"user": operator_user}
    feedback_give(subject_type="prompt_version", subject_id=first.pk, score=5, **give)
    feedback_give(subject_type="llm_request", subject_id=call["request_id"], score=2, **give)
    feedback_give(subject_type="llm_request", subject_id=call["request_id"], label="too-short", **give)
    feedback_give(subject_type="prompt_version", subject_id=second.pk, score=4, **give)
    with django_assert_max_num_queries(8):
        versions = viewer_client.get(f"{URL}{template.pk}/versions/").json()["results"]
    assert [(v["version"], v["avg_score"], v["feedback_count"]) for v in versions] == [(2, 4.0, 1), (1, 3.5, 3)]


def test_delete_removes_versions_and_records_it(operator_client: Client, operator_user) -> None:
    template = template_create(name="greet", text="Hello", user=operator_user)
    assert send(operator_client, "delete", f"{URL}{template.pk}/").status_code == 204
    assert not PromptTemplate.objects.exists()
    assert Event.objects.filter(aggregate_id=template.pk, event_type="PromptTemplateDeleted").exists()


def test_list_search(viewer_client: Client, operator_user) -> None:
    template_create(name="greet", text="Hello", user=operator_user)
    template_create(name="summary", text="Sum {{ x }}", description="for reports", user=operator_user)
    found = viewer_client.get(URL, {"search": "report"}).json()["results"]
    assert [(t["name"], t["text"], t["variables"]) for t in found] == [("summary", "Sum {{ x }}", ["x"])]
