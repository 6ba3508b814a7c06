"""Reads on evaluations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from apps.evaluation.models import Evaluation, SubjectType
from apps.workflows.models import WorkflowRun


def evaluation_list(*, subject_id: Any = None) -> QuerySet[Evaluation]:
    evaluations = Evaluation.objects.select_related("created_by")
    return evaluations.filter(subject_id=subject_id) if subject_id else evaluations


# Each query covers the evaluations since a moment, optionally only those of one workflow's runs.
_TOTALS = """
    SELECT count(*), count(*) FILTER (WHERE e.passed), avg(e.score),
           count(*) FILTER (WHERE jsonb_typeof(e.judge -> 'score') = 'number'),
           avg((e.judge ->> 'score')::numeric) FILTER (WHERE jsonb_typeof(e.judge -> 'score') = 'number')
    FROM evaluations e
    WHERE e.created_at >= %(since)s
      AND (%(workflow)s::uuid IS NULL OR (e.subject_type = 'workflow_run'
           AND e.subject_id IN (SELECT id FROM workflow_runs WHERE workflow_id = %(workflow)s::uuid)))
"""

_BY_KIND = """
    SELECT r ->> 'type', count(*), count(*) FILTER (WHERE (r ->> 'passed')::boolean)
    FROM evaluations e CROSS JOIN LATERAL jsonb_array_elements(e.results) r
    WHERE e.created_at >= %(since)s
      AND (%(workflow)s::uuid IS NULL OR (e.subject_type = 'workflow_run'
           AND e.subject_id IN (SELECT id FROM workflow_runs WHERE workflow_id = %(workflow)s::uuid)))
    GROUP BY 1 ORDER BY 1
"""

_MOST_FAILED = """
    SELECT r ->> 'name', r ->> 'type', count(*)
    FROM evaluations e CROSS JOIN LATERAL jsonb_array_elements(e.results) r
    WHERE e.created_at >= %(since)s AND NOT (r ->> 'passed')::boolean
      AND (%(workflow)s::uuid IS NULL OR (e.subject_type = 'workflow_run'
           AND e.subject_id IN (SELECT id FROM workflow_runs WHERE workflow_id = %(workflow)s::uuid)))
    GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT %(top)s
"""


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evaluation_summary(*, since: datetime, workflow_id: Any = None, top: int = 5) -> dict[str, Any]:
    """How evaluations since ``since`` went: their pass rate and average score, the pass rate
    of each kind of check (the judge is the kind ``judge``), the judge's average score (0-10),
    and the ``top`` checks that failed most. Aggregated in PostgreSQL over ``results``."""
    params = {"since": since, "workflow": str(workflow_id) if workflow_id else None, "top": top}
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS, params)
        count, passed, avg_score, judged, judge_avg = cursor.fetchone()
        cursor.execute(_BY_KIND, params)
        by_kind = [{"kind": kind, "results": n, "passed": ok, "pass_rate": _rate(ok, n)}
                   for kind, n, ok in cursor.fetchall()]  # fmt: skip
        cursor.execute(_MOST_FAILED, params)
        most_failed = [{"name": name, "kind": kind, "failures": n} for name, kind, n in cursor.fetchall()]
    return {
        "evaluations": count, "passed": passed, "pass_rate": _rate(passed, count),
        "avg_score": round(avg_score, 4) if avg_score is not None else None,
        "judge": {"evaluations": judged, "avg_score": round(float(judge_avg), 2) if judge_avg is not None else None},
        "by_kind": by_kind, "most_failed": most_failed,
    }  # fmt: skip


def failing_evaluations(*, since: datetime, workflow_id: Any = None) -> QuerySet[Evaluation]:
    """Evaluations since ``since`` that did not pass, newest first (of one workflow's runs)."""
    failing = Evaluation.objects.filter(created_at__gte=since, passed=False).only(
        "id", "subject_type", "subject_id", "score", "results", "created_at"
    )
    if workflow_id:
        runs = WorkflowRun.objects.filter(workflow_id=workflow_id).values("id")
        failing = failing.filter(subject_type=SubjectType.WORKFLOW_RUN, subject_id__in=runs)
    return failing.order_by("-created_at")
