"""Giving and withdrawing feedback. Each write records its event in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from apps.events.services import event_append
from apps.learning.errors import FeedbackInvalid, NotFound, NotYours
from apps.learning.models import SCORE_MAX, SCORE_MIN, Feedback, PromptVersion, SubjectType
from apps.learning.models.feedback import COMMENT_MAX, LABEL_MAX
from apps.llm.models import LlmRequest
from apps.workflows.models import WorkflowRun

_SUBJECTS: dict[str, tuple[Any, str]] = {
    SubjectType.WORKFLOW_RUN: (WorkflowRun, "workflow run"),
    SubjectType.LLM_REQUEST: (LlmRequest, "LLM request"),
    SubjectType.PROMPT_VERSION: (PromptVersion, "prompt version"),
}


def subject_check(*, subject_type: str, subject_id: Any) -> uuid.UUID:
    """The subject's id, once it is known to exist (400 for an unknown type or a malformed
    id, 404 for a subject that does not exist)."""
    if subject_type not in _SUBJECTS:
        raise FeedbackInvalid(f"subject_type must be one of {', '.join(SubjectType.values)}.")
    try:
        parsed = subject_id if isinstance(subject_id, uuid.UUID) else uuid.UUID(str(subject_id))
    except ValueError:
        raise FeedbackInvalid("subject_id must be a UUID.", details={"subject_id": ["Must be a valid UUID."]}) from None
    model, noun = _SUBJECTS[subject_type]
    if not model.objects.filter(pk=parsed).exists():
        raise NotFound(f"No {noun} with id {parsed}.")
    return parsed


def _checked(score: int | None, label: str, comment: str) -> tuple[int | None, str, str]:
    label = label.strip().lower()
    if score is None and not label:
        raise FeedbackInvalid("Give a score, a label, or both.", details={"score": ["A score or a label is required."]})
    if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
        raise FeedbackInvalid(f"score must be from {SCORE_MIN} to {SCORE_MAX}.", details={"score": ["Out of range."]})
    if len(label) > LABEL_MAX or len(comment) > COMMENT_MAX:
        raise FeedbackInvalid(f"A label has at most {LABEL_MAX} characters, a comment {COMMENT_MAX}.")
    return score, label, comment


def _record(feedback: Feedback, event_type: str) -> None:
    payload = {
        "id": str(feedback.id), "subject_type": feedback.subject_type, "subject_id": str(feedback.subject_id),
        "score": feedback.score, "label": feedback.label,
    }  # fmt: skip
    event_append(aggregate_type="Feedback", aggregate_id=feedback.id, event_type=event_type, payload=payload)


@transaction.atomic
def feedback_give(
    *, subject_type: str, subject_id: Any, user: Any, score: int | None = None, label: str = "", comment: str = ""
) -> Feedback:
    """Keep one person's judgement of a run, a model call or a prompt version (400 when it
    says nothing or the score is out of 1..5, 404 when the subject does not exist)."""
    parsed = subject_check(subject_type=subject_type, subject_id=subject_id)
    score, label, comment = _checked(score, label, comment)
    feedback = Feedback.objects.create(
        subject_type=subject_type, subject_id=parsed, score=score, label=label, comment=comment,
        created_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip
    _record(feedback, "FeedbackGiven")
    return feedback


@transaction.atomic
def feedback_delete(*, feedback: Feedback, user: Any, may_delete_any: bool = False) -> None:
    """Withdraw feedback: its author may, and so may an admin (``may_delete_any``)."""
    if not may_delete_any and feedback.created_by_id != getattr(user, "pk", None):
        raise NotYours("Only the feedback's author or an admin may delete it.")
    _record(feedback, "FeedbackDeleted")
    feedback.delete()
