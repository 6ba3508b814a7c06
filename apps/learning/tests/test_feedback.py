"""``feedback/``: giving, listing and withdrawing feedback on runs, model calls and prompts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.events.models import Event
from apps.learning.models import Feedback
from apps.learning.services.feedback import feedback_give
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"
MISSING = "00000000-0000-0000-0000-000000000000"


def _give(client: Client, **body: Any) -> Any:
    return send(client, "post", URL, body)


def test_feedback_on_a_run_is_kept_with_its_event(operator_client: Client, make_run) -> None:
    run = make_run()
    response = _give(operator_client, subject_type="workflow_run", subject_id=str(run.pk), score=4,
                     label=" Good ", comment="Concise.")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["score"], body["label"], body["comment"], body["created_by"]) == (4, "good", "Concise.", "otto")
    event = Event.objects.get(aggregate_id=body["id"])
    assert (event.aggregate_type, event.event_type, event.payload["score"]) == ("Feedback", "FeedbackGiven", 4)


def test_a_label_alone_is_feedback_and_one_person_may_give_several(operator_client: Client, make_llm_request) -> None:
    call = make_llm_request()
    for label in ("hallucination", "hallucination"):
        assert (
            _give(operator_client, subject_type="llm_request", subject_id=str(call.pk), label=label).status_code == 201
        )
    assert list(Feedback.objects.values_list("score", "label")) == [(None, "hallucination")] * 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "five"}, "score"),
        ({}, "score"),  # neither a score nor a label
        ({"label": "", "score": None}, "score"),
        ({"score": 3, "comment": "x" * 2001}, "comment"),
        ({"score": 3, "label": "x" * 51}, "label"),
        ({"score": 3, "subject_type": "agent"}, "subject_type"),
        ({"score": 3, "subject_id": "not-a-uuid"}, "subject_id"),
    ],
)
def test_invalid_feedback_gets_400_naming_the_field(operator_client: Client, make_run, body, field) -> None:
    full = {"subject_type": "workflow_run", "subject_id": str(make_run().pk), **body}
    refused = assert_envelope(_give(operator_client, **full), 400, "invalid_request")
    assert field in refused["details"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("subject_type", ["workflow_run", "llm_request", "prompt_version"])
def test_feedback_on_a_subject_that_does_not_exist_gets_404(operator_client: Client, subject_type: str) -> None:
    body = assert_envelope(_give(operator_client, subject_type=subject_type, subject_id=MISSING, score=3), 404)
    assert MISSING in body["message"]


def test_reading_needs_read_and_giving_needs_write(client: Client, viewer_client: Client, make_run) -> None:
    run = make_run()
    assert_envelope(send(client, "get", URL), 401)
    assert_envelope(_give(client, subject_type="workflow_run", subject_id=str(run.pk), score=3), 401)
    assert_envelope(_give(viewer_client, subject_type="workflow_run", subject_id=str(run.pk), score=3), 403)
    assert viewer_client.get(URL).status_code == 200


def test_list_filters_and_detail(viewer_client: Client, operator_user, make_run, make_llm_request) -> None:
    run, call = make_run(), make_llm_request()
    feedback_give(subject_type="workflow_run", subject_id=run.pk, user=operator_user, score=5, label="good")
    feedback_give(subject_type="workflow_run", subject_id=run.pk, user=operator_user, score=2, label="wrong")
    on_call = feedback_give(subject_type="llm_request", subject_id=call.pk, user=operator_user, label="good")

    def listed(**query: str) -> list[int | None]:
        return [row["score"] for row in viewer_client.get(URL, {**query, "ordering": "created_at"}).json()["results"]]

    assert listed(subject_type="workflow_run") == [5, 2]
    assert listed(subject_id=str(call.pk)) == [None]
    assert listed(label="good") == [5, None]
    assert_envelope(viewer_client.get(URL, {"subject_type": "agent"}), 400)
    detail = viewer_client.get(f"{URL}{on_call.pk}/").json()
    assert (detail["subject_type"], detail["subject_id"], detail["label"]) == ("llm_request", str(call.pk), "good")
    assert_envelope(viewer_client.get(f"{URL}{MISSING}/"), 404)


def test_only_the_author_or_an_admin_deletes(operator_client: Client, staff_client: Client, admin_user, operator_user,
                                            make_run) -> None:  # fmt: skip
    run = make_run()
    mine = feedback_give(subject_type="workflow_run", subject_id=run.pk, user=operator_user, score=3)
    theirs = feedback_give(subject_type="workflow_run", subject_id=run.pk, user=admin_user, score=4)
    assert_envelope(send(operator_client, "delete", f"{URL}{theirs.pk}/"), 403, "permission_denied")
    assert send(operator_client, "delete", f"{URL}{mine.pk}/").status_code == 204
    other = feedback_give(subject_type="workflow_run", subject_id=run.pk, user=operator_user, score=1)
    assert send(staff_client, "delete", f"{URL}{other.pk}/").status_code == 204
    assert list(Feedback.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert Event.objects.filter(event_type="FeedbackDeleted").count() == 2
