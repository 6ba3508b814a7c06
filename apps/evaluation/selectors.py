"""Reads on evaluations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.evaluation.models import Evaluation


def evaluation_list(*, subject_id: Any = None) -> QuerySet[Evaluation]:
    evaluations = Evaluation.objects.select_related("created_by")
    return evaluations.filter(subject_id=subject_id) if subject_id else evaluations
