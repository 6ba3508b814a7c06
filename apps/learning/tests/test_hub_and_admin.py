"""FeedbackCollector, DatasetExporter and PromptLibrary (L07) through the hub; the admin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.learning.models import Feedback, PromptTemplate
from apps.learning.services.feedback import feedback_give
from apps.learning.services.prompts import template_create, template_update
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-0000-0000-000000000000"


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None) -> Any:
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def _result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()["result"]


def test_feedback_collector_gives_and_summarises(operator_client: Client, viewer_client: Client, make_run) -> None:
    run = str(make_run().pk)
    good = {"subject_type": "workflow_run", "subject_id": run, "score": 4, "label": "good"}
    given = _result(_invoke(operator_client, "FeedbackCollector", "give", good))
    assert (given["score"], given["label"]) == (4, "good")
    _invoke(operator_client, "FeedbackCollector", "give", {"subject_type": "workflow_run", "subject_id": run,
                                                            "score": 1, "label": "wrong"})  # fmt: skip
    assert_envelope(_invoke(viewer_client, "FeedbackCollector", "give",
                            {"subject_type": "workflow_run", "subject_id": run, "score": 4}), 403)  # fmt: skip
    assert_envelope(_invoke(operator_client, "FeedbackCollector", "give",
                            {"subject_type": "workflow_run", "subject_id": MISSING, "score": 4}), 404)  # fmt: skip
    assert_envelope(_invoke(operator_client, "FeedbackCollector", "give",
                            {"subject_type": "workflow_run", "subject_id": run, "score": 9}), 400)  # fmt: skip
    summary = _result(_invoke(viewer_client, "FeedbackCollector", "summary",
                              {"subject_type": "workflow_run", "subject_id": run}))  # fmt: skip
    assert summary == {"count": 2, "avg_score": 2.5, "labels": {"good": 1, "wrong": 1}}
    assert Feedback.objects.count() == 2


def test_dataset_exporter_returns_lines(viewer_client: Client, make_run, operator_user) -> None:
    runs = [make_run() for _ in range(3)]
    feedback_give(subject_type="workflow_run", subject_id=runs[0].pk, user=operator_user, score=5)
    result = _result(_invoke(viewer_client, "DatasetExporter", "export", {"subject": "workflow_runs", "limit": 2}))
    assert result["count"] == 2
    assert [json.loads(line)["run_id"] for line in result["lines"]] == [str(r.pk) for r in runs[:2]]
    scored = _result(_invoke(viewer_client, "DatasetExporter", "export", {"subject": "workflow_runs", "min_score": 5}))
    assert [json.loads(line)["avg_score"] for line in scored["lines"]] == [5.0]
    assert_envelope(_invoke(viewer_client, "DatasetExporter", "export", {"subject": "runs"}), 400)
    assert_envelope(
        _invoke(viewer_client, "DatasetExporter", "export", {"subject": "workflow_runs", "limit": 1001}), 400
    )
    assert_envelope(_invoke(viewer_client, "DatasetExporter", "export",
                            {"subject": "workflow_runs", "since": "soon"}), 400)  # fmt: skip
    assert_envelope(_invoke(viewer_client, "DatasetExporter", "export",
                            {"subject": "workflow_runs", "workflow": "nope"}), 400)  # fmt: skip


def test_prompt_library_lists_renders_and_compares(viewer_client: Client, operator_user) -> None:
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    template_update(template=template, text="Hi {{ name }}", user=operator_user, note="shorter")
    feedback_give(subject_type="prompt_version", subject_id=template.versions.get(version=1).pk, user=operator_user,
                  score=2)  # fmt: skip
    listed = _result(_invoke(viewer_client, "PromptLibrary", "list"))
    assert listed["templates"] == [{"id": str(template.pk), "name": "greet", "use_case": "chat", "version": 2,
                                    "variables": ["name"]}]  # fmt: skip
    rendered = _result(_invoke(viewer_client, "PromptLibrary", "render",
                               {"template": "greet", "variables": {"name": "Ada"}, "version": 1}))  # fmt: skip
    assert rendered == {"version": 1, "text": "Hello Ada"}
    assert_envelope(_invoke(viewer_client, "PromptLibrary", "render", {"template": "greet"}), 400)
    assert_envelope(_invoke(viewer_client, "PromptLibrary", "render", {"template": "nope"}), 404)
    versions = _result(_invoke(viewer_client, "PromptLibrary", "versions", {"template": "greet"}))["versions"]
    assert [(v["version"], v["note"], v["avg_score"], v["feedback_count"]) for v in versions] == [
        (2, "shorter", None, 0), (1, "", 2.0, 1)
    ]  # fmt: skip


def test_admin_pages_load(staff_client: Client, operator_user, make_run) -> None:
    template = template_create(name="greet", text="Hello {{ name }}", user=operator_user)
    feedback = feedback_give(subject_type="workflow_run", subject_id=make_run().pk, user=operator_user, score=3)
    version = template.versions.get()
    for page in (
        "/admin/learning/feedback/", f"/admin/learning/feedback/{feedback.pk}/change/",
        "/admin/learning/prompttemplate/", f"/admin/learning/prompttemplate/{template.pk}/change/",
        "/admin/learning/prompttemplate/add/", "/admin/learning/promptversion/",
        f"/admin/learning/promptversion/{version.pk}/change/", "/admin/learning/promptuse/",
    ):  # fmt: skip
        assert staff_client.get(page).status_code == 200, page
    assert staff_client.get("/admin/learning/feedback/add/").status_code == 403


def test_admin_saves_templates_through_the_services(staff_client: Client) -> None:
    form = {"name": "from-admin", "description": "", "use_case": "chat", "text": "Hi {{ who }}", "note": "",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"}  # fmt: skip
    assert staff_client.post("/admin/learning/prompttemplate/add/", form).status_code == 302
    template = PromptTemplate.objects.get(name="from-admin")
    change = f"/admin/learning/prompttemplate/{template.pk}/change/"
    assert staff_client.post(change, {**form, "text": "Hello {{ who }}", "note": "warmer"}).status_code == 302
    template.refresh_from_db()
    assert template.current_version == 2
    assert template.versions.get(version=2).note == "warmer"
    broken = staff_client.post(change, {**form, "text": "{% if %}"})
    assert broken.status_code == 200
    assert "syntax error" in broken.content.decode()
