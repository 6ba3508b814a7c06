"""Reads on workflow drafts."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.planning.models import WorkflowDraft


def draft_list(*, status: str | None = None) -> QuerySet[WorkflowDraft]:
    drafts = WorkflowDraft.objects.select_related("created_by", "decided_by")
    return drafts.filter(status=status) if status else drafts
