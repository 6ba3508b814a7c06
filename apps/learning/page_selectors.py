"""Reads shaped for the control-center pages (the API's selectors stay in ``selectors``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.db.models import OuterRef, QuerySet, Subquery

from apps.learning import selectors
from apps.learning.models import Feedback, PromptTemplate, PromptVersion, SubjectType
from apps.workflows.models import WorkflowRun


def template_rows() -> QuerySet[PromptTemplate]:
    """Templates with their current version's ``avg_score`` and ``feedback_count``, scored as
    the versions table scores them (feedback on the version and on the calls made from it)."""
    # version_list's filter takes the outer template's pk here: one subquery per column, no
    # query per template.
    scored = selectors.version_list(template=cast(PromptTemplate, OuterRef("pk")))
    current = cast(QuerySet[Any], scored.filter(version=OuterRef("current_version")))  # annotated columns
    return selectors.template_list().annotate(
        avg_score=Subquery(current.values("avg_score")[:1]),
        feedback_count=Subquery(current.values("feedback_count")[:1]),
    )


def feedback_labels() -> list[str]:
    """Every label given so far, for the feedback page's filter."""
    labels = Feedback.objects.exclude(label="").order_by("label").values_list("label", flat=True).distinct()
    return list(labels)


def subjects_of(feedback: Iterable[Feedback]) -> dict[uuid.UUID, dict[str, Any]]:
    """What each piece of feedback judged, by subject id: the workflow a run belongs to and
    the template a prompt version belongs to (two queries at most; a subject whose row is
    gone is left out)."""
    ids: dict[str, list[uuid.UUID]] = {}
    for item in feedback:
        ids.setdefault(item.subject_type, []).append(item.subject_id)
    found: dict[uuid.UUID, dict[str, Any]] = {}
    if ids.get(SubjectType.WORKFLOW_RUN):
        runs = WorkflowRun.objects.filter(pk__in=ids[SubjectType.WORKFLOW_RUN]).values("id", "workflow__name")
        found.update({row["id"]: {"workflow": row["workflow__name"]} for row in runs})
    if ids.get(SubjectType.PROMPT_VERSION):
        versions = PromptVersion.objects.filter(pk__in=ids[SubjectType.PROMPT_VERSION])
        for row in versions.values("id", "version", "template_id", "template__name"):
            found[row["id"]] = {"template_id": row["template_id"], "template": row["template__name"],
                                "version": row["version"]}  # fmt: skip
    return found
