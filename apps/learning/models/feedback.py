"""Feedback: a person's score, label and comment on something the platform produced."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

__all__ = ["COMMENT_MAX", "LABEL_MAX", "SCORE_MAX", "SCORE_MIN", "Feedback", "SubjectType"]

SCORE_MIN, SCORE_MAX = 1, 5
LABEL_MAX = 50
COMMENT_MAX = 2000


class SubjectType(models.TextChoices):
    WORKFLOW_RUN = "workflow_run", "Workflow run"
    LLM_REQUEST = "llm_request", "LLM request"
    PROMPT_VERSION = "prompt_version", "Prompt version"


class Feedback(models.Model):
    """One judgement of a run, a model call or a prompt version. The subject is referenced by
    id, not by foreign key: the runs and the model-call log have their own retention, and
    feedback outlives them as training data. A person may give several feedbacks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.UUIDField()
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    label = models.CharField(max_length=LABEL_MAX, blank=True, default="", help_text="e.g. good, hallucination")
    comment = models.TextField(max_length=COMMENT_MAX, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "feedback"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="feedback_subject_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="feedback_score_range",
            ),
            # Feedback says something: a score, a label, or both.
            models.CheckConstraint(
                condition=models.Q(score__isnull=False) | ~models.Q(label=""), name="feedback_score_or_label"
            ),
        ]

    def __str__(self) -> str:
        verdict = self.score if self.score is not None else self.label
        return f"{self.subject_type} {self.subject_id}: {verdict}"
