"""Evaluations: an output scored by deterministic checks and, given a rubric, a model judge."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

__all__ = ["Evaluation", "SubjectType"]


class SubjectType(models.TextChoices):
    TEXT = "text", "Text"
    WORKFLOW_RUN = "workflow_run", "Workflow run"
    LLM_REQUEST = "llm_request", "LLM request"


class Evaluation(models.Model):
    """One evaluation of ``output``. ``results`` has one entry per check asked for (and one
    named ``judge`` when a rubric was given); ``judge`` is the judge's parsed answer (null
    without a rubric, or when its answer was unusable); ``score`` is 0-1 overall."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices, default=SubjectType.TEXT)
    subject_id = models.UUIDField(null=True, blank=True)
    output = models.TextField(blank=True, default="")
    rubric = models.TextField(blank=True, default="")
    checks = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    results = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    judge = models.JSONField(null=True, blank=True)
    score = models.FloatField()
    passed = models.BooleanField(db_index=True)
    model = models.CharField(max_length=200, blank=True, default="")
    llm_request_id = models.UUIDField(null=True, blank=True, help_text="The llm_requests row of the judge's call.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "evaluations"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="evaluations_subject_idx")]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id or self.id}: {self.score:.2f}"
