"""The JSON Lines export: over HTTP (streamed), by the command, and in chunks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from apps.learning.export import ExportFilter, export_lines
from apps.learning.services.feedback import feedback_give
from apps.workflows.models import WorkflowRun
from apps.workflows.services.definitions import workflow_create
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db

URL = "/api/v1/learning/export/"


def _lines(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def judged(make_run, operator_user, admin_user) -> list[WorkflowRun]:
    """Three runs: one scored 5 and 3 (avg 4), one scored 1, one without feedback."""
    good, bad, unjudged = make_run(), make_run(outputs={"summary": "wrong"}), make_run(status="failed", outputs=None)
    feedback_give(subject_type="workflow_run", subject_id=good.pk, user=operator_user, score=5, label="good")
    feedback_give(subject_type="workflow_run", subject_id=good.pk, user=admin_user, score=3, comment="ok")
    feedback_give(subject_type="workflow_run", subject_id=bad.pk, user=operator_user, score=1, label="hallucination")
    return [good, bad, unjudged]


def test_runs_stream_with_their_feedback(viewer_client: Client, judged) -> None:
    response = viewer_client.get(URL, {"subject": "workflow_runs", "format": "jsonl"})
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"].startswith('attachment; filename="workflow_runs-')
    lines = _lines(response)
    assert [line["run_id"] for line in lines] == [str(run.pk) for run in judged]  # oldest first
    first = lines[0]
    assert (first["workflow"], first["version"], first["status"]) == ("summarise", 1, "succeeded")
    assert (first["inputs"], first["outputs"], first["avg_score"]) == ({"text": "long"}, {"summary": "short"}, 4.0)
    assert [(f["score"], f["label"], f["comment"], f["by"]) for f in first["feedback"]] == [
        (5, "good", "", "otto"), (3, "", "ok", "ada")
    ]  # fmt: skip
    assert all(isinstance(f["at"], str) for f in first["feedback"])
    assert (lines[2]["feedback"], lines[2]["avg_score"], lines[2]["outputs"]) == ([], None, None)


def test_filters(viewer_client: Client, judged, make_run) -> None:
    def ids(**query: Any) -> list[str]:
        return [line["run_id"] for line in _lines(viewer_client.get(URL, {"subject": "workflow_runs", **query}))]

    good, bad, _ = judged
    assert ids(min_score=3) == [str(good.pk)]
    assert ids(min_score=1) == [str(good.pk), str(bad.pk)]
    other = workflow_create(name="other", steps=[{"id": "ok", "kind": "approval", "message": "?"}])
    elsewhere = make_run(of=other)
    assert ids(workflow=str(other.pk)) == [str(elsewhere.pk)]
    WorkflowRun.objects.filter(pk__in=[good.pk, bad.pk]).update(created_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert str(good.pk) not in ids(since=since)
    assert str(elsewhere.pk) in ids(since=since)


def test_model_calls_export(viewer_client: Client, make_llm_request, operator_user) -> None:
    call = make_llm_request(latency_ms=12.5)
    feedback_give(subject_type="llm_request", subject_id=call.pk, user=operator_user, score=2, label="slow")
    (line,) = _lines(viewer_client.get(URL, {"subject": "llm_requests"}))
    assert {key: line[key] for key in ("request_id", "model", "use_case", "prompt_tokens", "completion_tokens",
                                       "latency_ms", "status", "avg_score")} == {
        "request_id": str(call.pk), "model": "llama2:7b", "use_case": "chat", "prompt_tokens": 12,
        "completion_tokens": 3, "latency_ms": 12.5, "status": "succeeded", "avg_score": 2.0,
    }  # fmt: skip
    assert [(f["score"], f["label"]) for f in line["feedback"]] == [(2, "slow")]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "subject"),
        ({"subject": "agents"}, "subject"),
        ({"subject": "workflow_runs", "format": "csv"}, "format"),
        ({"subject": "workflow_runs", "min_score": "9"}, "min_score"),
        ({"subject": "workflow_runs", "since": "yesterday"}, "since"),
        ({"subject": "llm_requests", "workflow": "00000000-0000-0000-0000-000000000000"}, "workflow"),
    ],
)
def test_bad_queries_get_400_in_the_envelope(viewer_client: Client, query: dict[str, str], field: str) -> None:
    assert field in assert_envelope(viewer_client.get(URL, query), 400, "invalid_request")["details"]


def test_export_needs_read(client: Client) -> None:
    assert_envelope(client.get(URL, {"subject": "workflow_runs"}), 401)


def test_rows_are_read_in_chunks_with_one_feedback_query_each(judged, make_run, django_assert_max_num_queries) -> None:
    for _ in range(3):
        make_run()
    # One query (cursor) for the rows, one for each chunk's feedback: 6 runs in chunks of 2.
    with django_assert_max_num_queries(4) as captured:
        lines = list(export_lines(ExportFilter(subject="workflow_runs"), chunk_size=2))
    assert len(lines) == 6
    assert sum('FROM "feedback"' in q["sql"] and "IN (" in q["sql"] for q in captured.captured_queries) == 3


def test_the_command_writes_the_same_lines(judged, tmp_path: Path, viewer_client: Client) -> None:
    out = tmp_path / "runs.jsonl"
    call_command("export_feedback", "--subject", "workflow_runs", "--out", str(out), "--min-score", "3")
    written = [json.loads(line) for line in out.read_text().splitlines()]
    streamed = _lines(viewer_client.get(URL, {"subject": "workflow_runs", "min_score": "3"}))
    assert written == streamed
    assert len(written) == 1
    assert written[0]["avg_score"] == 4.0
