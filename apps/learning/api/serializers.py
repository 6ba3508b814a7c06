"""Learning shapes (``feedback/``, ``prompt-templates/``, ``learning/export/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from apps.learning import rendering
from apps.learning.export import SUBJECTS
from apps.learning.models import SCORE_MAX, SCORE_MIN, Feedback, PromptTemplate, PromptVersion, SubjectType
from apps.learning.models.prompts import GENERATING_USE_CASES

SUBJECT_TYPES = ", ".join(SubjectType.values)


# Documented as a string naming its choices, not as an enum: drf-spectacular names enums by
# field name, and the evaluator's ``subject_type`` has other choices (the two would collide
# without an ENUM_NAME_OVERRIDES entry in the settings).
@extend_schema_field({"type": "string", "description": f"One of {SUBJECT_TYPES}."})
class SubjectTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SubjectType.choices, **kwargs)


class FeedbackSerializer(serializers.ModelSerializer[Feedback]):
    """Output."""

    subject_type = SubjectTypeField(read_only=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Feedback
        fields = ["id", "subject_type", "subject_id", "score", "label", "comment", "created_by", "created_at"]
        read_only_fields = fields


class GiveFeedbackSerializer(serializers.ModelSerializer[Feedback]):
    """Input: the subject and a score, a label, or both (``label``, ``comment`` and the score's
    range come from the model; a field declared here named ``label`` would shadow
    ``Field.label``)."""

    subject_type = SubjectTypeField()

    class Meta:
        model = Feedback
        fields = ["subject_type", "subject_id", "score", "label", "comment"]


class PromptTemplateSerializer(serializers.ModelSerializer[PromptTemplate]):
    """Output (with the current version's text and variables), and input for create and
    update: a changed ``text`` is a new version, ``note`` says why."""

    name = serializers.CharField(
        max_length=100,
        validators=[
            UniqueValidator(queryset=PromptTemplate.objects.all(), message="A template with that name exists.")
        ],
    )
    use_case = serializers.ChoiceField(choices=GENERATING_USE_CASES, required=False, default="chat")
    text = serializers.CharField(max_length=rendering.MAX_TEXT, trim_whitespace=False)
    variables = serializers.ListField(child=serializers.CharField(), read_only=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", write_only=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PromptTemplate
        fields = ["id", "name", "description", "use_case", "current_version", "text", "variables", "note",
                  "created_by", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "current_version", "created_by", "created_at", "updated_at"]


class PromptVersionSerializer(serializers.ModelSerializer[PromptVersion]):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    avg_score = serializers.SerializerMethodField()
    feedback_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PromptVersion
        fields = ["id", "version", "text", "variables", "note", "avg_score", "feedback_count", "created_by",
                  "created_at"]  # fmt: skip

    def get_avg_score(self, version: PromptVersion) -> float | None:
        value = getattr(version, "avg_score", None)
        return round(value, 3) if value is not None else None


class RenderSerializer(serializers.Serializer[Any]):
    variables = serializers.DictField(required=False, default=dict)
    version = serializers.IntegerField(min_value=1, required=False)


class RunSerializer(RenderSerializer):
    model = serializers.CharField(max_length=200, required=False)


class ExportQuerySerializer(serializers.Serializer[Any]):
    subject = serializers.ChoiceField(choices=list(SUBJECTS))
    workflow = serializers.UUIDField(required=False)
    since = serializers.DateTimeField(required=False)
    min_score = serializers.FloatField(min_value=SCORE_MIN, max_value=SCORE_MAX, required=False)
    format = serializers.ChoiceField(choices=["jsonl"], required=False, default="jsonl")
