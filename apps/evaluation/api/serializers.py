"""Evaluation shapes (``evaluations/``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.evaluation.checks import MAX_CHECKS, MAX_OUTPUT
from apps.evaluation.models import Evaluation, SubjectType
from apps.evaluation.services import MAX_RUBRIC


class EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "subject_type", "subject_id", "output", "rubric", "checks", "results", "judge", "score",
                  "passed", "model", "llm_request_id", "created_by", "created_at"]  # fmt: skip
        read_only_fields = fields


class EvaluateSerializer(serializers.Serializer[Any]):
    """Input: the output (or a run whose outputs to evaluate), checks and/or a rubric."""

    output = serializers.CharField(max_length=MAX_OUTPUT, required=False, allow_blank=True, trim_whitespace=False)
    rubric = serializers.CharField(max_length=MAX_RUBRIC, required=False, allow_blank=True)
    checks = serializers.ListField(child=serializers.JSONField(), required=False, default=list, max_length=MAX_CHECKS)
    subject_type = serializers.ChoiceField(choices=SubjectType.choices, required=False, default=SubjectType.TEXT)
    subject_id = serializers.UUIDField(required=False, allow_null=True, default=None)
