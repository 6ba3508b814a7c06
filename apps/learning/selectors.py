"""Reads of the learning layer: feedback, templates, and scores per prompt version."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Avg, Case, Count, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from apps.learning.models import Feedback, PromptTemplate, PromptUse, PromptVersion, SubjectType


def feedback_list() -> QuerySet[Feedback]:
    return Feedback.objects.select_related("created_by")


def template_list() -> QuerySet[PromptTemplate]:
    """Templates with their current version's text and variables."""
    current = PromptVersion.objects.filter(template=OuterRef("pk"), version=OuterRef("current_version"))
    return PromptTemplate.objects.select_related("created_by").annotate(
        text=Subquery(current.values("text")[:1]), variables=Subquery(current.values("variables")[:1])
    )


def _aggregate(feedback: QuerySet[Feedback], expression: Any, output: Any) -> Subquery:
    """One value over the matching feedback, as a subquery (a constant grouping: one row)."""
    one_row = feedback.order_by().annotate(unit=Value(1)).values("unit")
    return Subquery(one_row.annotate(value=expression).values("value")[:1], output_field=output)


def _scored(queryset: QuerySet[Any], feedback: QuerySet[Feedback]) -> QuerySet[Any]:
    return queryset.annotate(
        avg_score=_aggregate(feedback, Avg("score"), FloatField()),
        feedback_count=Coalesce(_aggregate(feedback, Count("id"), IntegerField()), 0),
    )


def version_list(*, template: PromptTemplate) -> QuerySet[PromptVersion]:
    """The template's versions, newest first, each with ``avg_score`` and ``feedback_count``
    over the feedback on the version itself and on the model calls made from it."""
    uses = PromptUse.objects.filter(version=OuterRef(OuterRef("pk"))).values("llm_request_id")
    feedback = Feedback.objects.filter(
        Q(subject_type=SubjectType.PROMPT_VERSION, subject_id=OuterRef("pk"))
        | Q(subject_type=SubjectType.LLM_REQUEST, subject_id__in=Subquery(uses))
    )
    versions = PromptVersion.objects.filter(template=template).select_related("created_by").order_by("-version")
    return _scored(versions, feedback)


def with_scores(queryset: QuerySet[Any], *, subject_type: str) -> QuerySet[Any]:
    """Rows of a subject model (runs, model calls) with their ``avg_score`` and ``feedback_count``."""
    return _scored(queryset, Feedback.objects.filter(subject_type=subject_type, subject_id=OuterRef("pk")))


def feedback_summary(*, subject_type: str, subject_id: uuid.UUID) -> dict[str, Any]:
    """How one subject was judged: count, average score, and how often each label was given."""
    found = Feedback.objects.filter(subject_type=subject_type, subject_id=subject_id)
    totals = found.aggregate(count=Count("id"), avg_score=Avg("score"))
    labels = found.exclude(label="").values("label").annotate(n=Count("id")).order_by("-n", "label")
    return {
        "count": totals["count"],
        "avg_score": round(totals["avg_score"], 3) if totals["avg_score"] is not None else None,
        "labels": {row["label"]: row["n"] for row in labels},
    }


def version_scores(*, template: PromptTemplate) -> dict[int, list[int]]:
    """Every score given to each version of the template, by version number: the feedback
    :func:`version_list` averages (on the version itself and on the model calls it made)."""
    versions = PromptVersion.objects.filter(template=template)
    uses = PromptUse.objects.filter(version__template=template)
    number = Case(
        When(
            subject_type=SubjectType.PROMPT_VERSION,
            then=Subquery(versions.filter(pk=OuterRef("subject_id")).values("version")[:1]),
        ),
        default=Subquery(uses.filter(llm_request_id=OuterRef("subject_id")).values("version__version")[:1]),
    )
    scored = Feedback.objects.filter(score__isnull=False).filter(
        Q(subject_type=SubjectType.PROMPT_VERSION, subject_id__in=versions.values("pk"))
        | Q(subject_type=SubjectType.LLM_REQUEST, subject_id__in=uses.values("llm_request_id"))
    )
    found: dict[int, list[int]] = {}
    for version, score in scored.annotate(number=number).order_by().values_list("number", "score"):
        if score is not None:  # (filtered out above; the type does not know)
            found.setdefault(version, []).append(score)
    return found
