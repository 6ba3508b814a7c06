"""L07 FeedbackCollector, DatasetExporter and PromptLibrary: the learning layer as services."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime

from apps.learning import selectors
from apps.learning.export import SUBJECTS, ExportFilter, export_lines
from apps.learning.models import SCORE_MAX, SCORE_MIN, Feedback, PromptTemplate, SubjectType
from apps.learning.models.feedback import COMMENT_MAX, LABEL_MAX
from apps.learning.services import feedback, prompts
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

EXPORT_LIMIT = 1000
SUBJECT = {"subject_type": {"enum": list(SubjectType.values)}, "subject_id": UUID}
VERDICT = {
    "score": {"type": "integer", "minimum": SCORE_MIN, "maximum": SCORE_MAX},
    "label": {"type": "string", "maxLength": LABEL_MAX},
    "comment": {"type": "string", "maxLength": COMMENT_MAX},
}
FEEDBACK = obj(
    {"id": UUID, "subject_type": {"type": "string"}, "subject_id": UUID,
     "score": {"type": ["integer", "null"]}, "label": {"type": "string"}, "comment": {"type": "string"}},
    "id", "subject_type", "subject_id",
)  # fmt: skip
TEMPLATE_NAME = {"type": "string", "minLength": 1, "maxLength": 100}


def _template(name: str) -> PromptTemplate:
    found = PromptTemplate.objects.filter(name=name).first()
    if found is None:
        raise MethodError(404, f"No prompt template named {name}.")
    return found


def _feedback(given: Feedback) -> dict[str, Any]:
    return {
        "id": str(given.id), "subject_type": given.subject_type, "subject_id": str(given.subject_id),
        "score": given.score, "label": given.label, "comment": given.comment,
    }  # fmt: skip


@service(
    name="FeedbackCollector", layer="L07", description="Scores, labels and comments on runs, model calls and prompts."
)
class FeedbackCollector:
    @method(
        description=f"Give feedback: a score ({SCORE_MIN}-{SCORE_MAX}), a label (e.g. good, hallucination), or both.",
        params=obj({**SUBJECT, **VERDICT}, "subject_type", "subject_id"),
        result=FEEDBACK,
        writes=True,
    )  # fmt: skip
    def give(
        self, caller: Caller, subject_type: str, subject_id: str, score: int | None = None, label: str = "",
        comment: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        given = feedback.feedback_give(subject_type=subject_type, subject_id=subject_id, user=caller.user,
                                       score=score, label=label, comment=comment)  # fmt: skip
        return _feedback(given)

    @method(
        description="How a subject was judged: feedback count, average score, and each label's count.",
        params=obj(SUBJECT, "subject_type", "subject_id"),
        result=obj(
            {"count": {"type": "integer"}, "avg_score": {"type": ["number", "null"]}, "labels": {"type": "object"}},
            "count", "avg_score", "labels",
        ),
    )  # fmt: skip
    def summary(self, caller: Caller, subject_type: str, subject_id: str) -> dict[str, Any]:
        parsed = feedback.subject_check(subject_type=subject_type, subject_id=subject_id)
        return selectors.feedback_summary(subject_type=subject_type, subject_id=parsed)


@service(
    name="DatasetExporter",
    layer="L07",
    description=(
        f"Small exports (at most {EXPORT_LIMIT} rows) of workflow runs or model calls with their feedback, as JSON "
        "Lines; for large ones use GET /api/v1/learning/export/ (streamed) or manage.py export_feedback."
    ),
)
class DatasetExporter:
    @method(
        description=f"Rows with their feedback, oldest first, one JSON object per line (at most {EXPORT_LIMIT}).",
        params=obj(
            {"subject": {"enum": list(SUBJECTS)}, "since": {"type": "string", "format": "date-time"},
             "workflow": UUID, "min_score": {"type": "number", "minimum": SCORE_MIN, "maximum": SCORE_MAX},
             "limit": {"type": "integer", "minimum": 1, "maximum": EXPORT_LIMIT, "default": 100}},
            "subject",
        ),
        result=obj({"count": {"type": "integer"}, "lines": {"type": "array", "items": {"type": "string"}}},
                   "count", "lines"),
        timeout=60,
    )  # fmt: skip
    def export(
        self, caller: Caller, subject: str, since: str | None = None, workflow: str | None = None,
        min_score: float | None = None, limit: int = 100,
    ) -> dict[str, Any]:  # fmt: skip
        when = parse_datetime(since) if since else None
        if since and when is None:
            raise MethodError(400, "since must be an ISO 8601 date and time.")
        spec = ExportFilter(subject=subject, workflow=workflow, since=when, min_score=min_score, limit=limit)
        lines = [line.rstrip("\n") for line in export_lines(spec)]
        return {"count": len(lines), "lines": lines}


VERSION = {"type": "integer", "minimum": 1}


def _template_row(template: Any) -> dict[str, Any]:
    """A row of :func:`selectors.template_list` (annotated with the current ``variables``)."""
    return {"id": str(template.id), "name": template.name, "use_case": template.use_case,
            "version": template.current_version, "variables": template.variables or []}  # fmt: skip


def _version_row(version: Any) -> dict[str, Any]:
    """A row of :func:`selectors.version_list` (annotated with its scores)."""
    score = round(version.avg_score, 3) if version.avg_score is not None else None
    return {"version": version.version, "variables": version.variables, "note": version.note, "avg_score": score,
            "feedback_count": version.feedback_count, "created_at": version.created_at.isoformat()}  # fmt: skip


@service(name="PromptLibrary", layer="L07", description="Versioned prompt templates: list, render, compare versions.")
class PromptLibrary:
    @method(
        description="Prompt templates with their current version and variables.",
        params=obj({"search": {"type": "string", "maxLength": 200}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "templates": {"type": "array"}}, "count", "templates"),
    )
    def list(self, caller: Caller, search: str = "", limit: int = 20) -> dict[str, Any]:
        found = selectors.template_list()
        found = found.filter(name__icontains=search) if search else found
        return {"count": found.count(), "templates": [_template_row(t) for t in found[:limit]]}

    @method(
        description="A template's text (its current version unless one is named) rendered with variables.",
        params=obj({"template": TEMPLATE_NAME, "variables": {"type": "object"}, "version": VERSION}, "template"),
        result=obj({"version": {"type": "integer"}, "text": {"type": "string"}}, "version", "text"),
    )
    def render(
        self, caller: Caller, template: str, variables: dict[str, Any] | None = None, version: int | None = None
    ) -> dict[str, Any]:
        found = _template(template)
        number = version or found.current_version
        text = prompts.template_render(template=found, variables=variables or {}, version=number)
        return {"version": number, "text": text}

    @method(
        description="A template's versions, newest first, with average score and feedback count.",
        params=obj({"template": TEMPLATE_NAME, "limit": LIMIT}, "template"),
        result=obj({"count": {"type": "integer"}, "versions": {"type": "array"}}, "count", "versions"),
    )
    def versions(self, caller: Caller, template: str, limit: int = 20) -> dict[str, Any]:
        found = selectors.version_list(template=_template(template))
        return {"count": found.count(), "versions": [_version_row(v) for v in found[:limit]]}
