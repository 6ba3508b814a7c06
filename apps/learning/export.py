"""Datasets for fine-tuning or evaluation: workflow runs or model calls with their feedback,
one JSON object per line (JSON Lines). Rows are read with a server-side cursor in chunks and
their feedback fetched one query per chunk, so an export of any size runs in constant memory.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet

from apps.learning import selectors
from apps.learning.errors import ExportInvalid
from apps.learning.models import Feedback, SubjectType
from apps.llm.models import LlmRequest
from apps.workflows.models import WorkflowRun

CHUNK_SIZE = 500
SUBJECTS = {"workflow_runs": SubjectType.WORKFLOW_RUN, "llm_requests": SubjectType.LLM_REQUEST}


@dataclass(frozen=True)
class ExportFilter:
    """What to export: ``subject`` is workflow_runs or llm_requests; ``workflow`` applies to
    runs only; ``min_score`` keeps rows whose average score is at least that."""

    subject: str
    workflow: Any = None
    since: datetime | None = None
    min_score: float | None = None
    limit: int | None = None


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ExportInvalid("workflow must be a UUID.", details={"workflow": ["Must be a valid UUID."]}) from None


def _rows(spec: ExportFilter) -> QuerySet[Any]:
    queryset: QuerySet[Any]
    if spec.subject == "workflow_runs":
        queryset = WorkflowRun.objects.select_related("workflow", "version")
        if spec.workflow is not None:
            queryset = queryset.filter(workflow_id=_uuid(spec.workflow))
    elif spec.subject == "llm_requests":
        if spec.workflow is not None:
            raise ExportInvalid("workflow applies to workflow_runs only.", details={"workflow": ["Not here."]})
        queryset = LlmRequest.objects.all()
    else:
        raise ExportInvalid(f"subject must be one of {', '.join(SUBJECTS)}.", details={"subject": ["Unknown."]})
    queryset = selectors.with_scores(queryset, subject_type=SUBJECTS[spec.subject])
    if spec.since is not None:
        queryset = queryset.filter(created_at__gte=spec.since)
    if spec.min_score is not None:
        queryset = queryset.filter(avg_score__gte=spec.min_score)
    # Oldest first: an export cut by ``since`` can be continued from its last row's time.
    queryset = queryset.order_by("created_at", "pk")
    return queryset[: spec.limit] if spec.limit is not None else queryset


def _feedback_by_subject(subject_type: str, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
    found: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    rows = Feedback.objects.filter(subject_type=subject_type, subject_id__in=ids).select_related("created_by")
    for feedback in rows.order_by("created_at"):
        found[feedback.subject_id].append(
            {
                "score": feedback.score, "label": feedback.label, "comment": feedback.comment,
                "by": feedback.created_by.get_username() if feedback.created_by else None,
                "at": feedback.created_at.isoformat(),
            }
        )  # fmt: skip
    return found


def _avg(row: Any) -> float | None:
    return round(row.avg_score, 3) if row.avg_score is not None else None


def _run_line(run: WorkflowRun, feedback: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "run_id": str(run.id), "workflow": run.workflow.name, "version": run.version.version, "inputs": run.inputs,
        "outputs": run.outputs, "status": run.status, "feedback": feedback, "avg_score": _avg(run),
    }  # fmt: skip


def _request_line(request: LlmRequest, feedback: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "request_id": str(request.id), "model": request.model, "use_case": request.use_case,
        "prompt_tokens": request.prompt_tokens, "completion_tokens": request.completion_tokens,
        "latency_ms": request.latency_ms, "status": request.status, "feedback": feedback, "avg_score": _avg(request),
    }  # fmt: skip


def _chunks(rows: Iterable[Model], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_objects(spec: ExportFilter, *, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """The export's objects, one per row (400 for an unknown subject, checked before the
    first row is read)."""
    rows = _rows(spec)
    subject_type = SUBJECTS[spec.subject]
    line = _run_line if spec.subject == "workflow_runs" else _request_line
    return _generate(rows, subject_type, line, chunk_size)


def _generate(rows: QuerySet[Any], subject_type: str, line: Any, chunk_size: int) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(rows.iterator(chunk_size=chunk_size), chunk_size):
        feedback = _feedback_by_subject(subject_type, [row.pk for row in chunk])
        for row in chunk:
            yield line(row, feedback.get(row.pk, []))


def export_lines(spec: ExportFilter, *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The export as JSON Lines: each object on its own line, ending with a newline."""
    objects = export_objects(spec, chunk_size=chunk_size)
    return (json.dumps(obj, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n" for obj in objects)
