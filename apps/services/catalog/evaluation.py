"""L06 Evaluator: outputs scored by deterministic checks and a model judge, as a service."""

from __future__ import annotations

import uuid
from typing import Any

from apps.evaluation import selectors, services
from apps.evaluation.checks import MAX_CHECKS, MAX_OUTPUT
from apps.evaluation.models import Evaluation, SubjectType
from apps.services.catalog.planning import caller_label
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

EVALUATION = obj(
    {"id": UUID, "subject_type": {"type": "string"}, "subject_id": {"type": ["string", "null"]},
     "score": {"type": "number"}, "passed": {"type": "boolean"}, "results": {"type": "array"},
     "judge": {"type": ["object", "null"]}},
    "id", "score", "passed", "results",
)  # fmt: skip


def _evaluation(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "id": str(evaluation.id), "subject_type": evaluation.subject_type,
        "subject_id": str(evaluation.subject_id) if evaluation.subject_id else None, "score": evaluation.score,
        "passed": evaluation.passed, "results": evaluation.results, "judge": evaluation.judge,
    }  # fmt: skip


@service(
    name="Evaluator",
    layer="L06",
    description="Scores an output with checks (JSON Schema, regex, length, contains) and an LLM judge's rubric.",
    dependencies=("postgres", "ollama"),
)
class Evaluator:
    @method(
        description="Evaluate an output (or a workflow run's outputs) with checks and/or a rubric for the judge.",
        params=obj(
            {
                "output": {"type": "string", "maxLength": MAX_OUTPUT},
                "rubric": {"type": "string", "maxLength": 5000},
                "checks": {"type": "array", "items": {"type": "object"}, "maxItems": MAX_CHECKS},
                "subject_type": {"enum": list(SubjectType.values)},
                "subject_id": UUID,
            }
        ),
        result=EVALUATION,
        writes=True,
        timeout=180,
    )
    def evaluate(self, caller: Caller, **fields: Any) -> dict[str, Any]:
        made = services.evaluate(user=caller.user, caller=caller_label(caller), **fields)
        return _evaluation(made)

    @method(
        description="Evaluations, newest first, optionally of one subject (a run or an LLM request).",
        params=obj({"subject_id": UUID, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "evaluations": {"type": "array"}}, "count", "evaluations"),
    )
    def results(self, caller: Caller, subject_id: str | None = None, limit: int = 20) -> dict[str, Any]:
        try:
            subject = uuid.UUID(subject_id) if subject_id else None
        except ValueError:
            raise MethodError(400, "subject_id must be a UUID.") from None
        found = selectors.evaluation_list(subject_id=subject)
        return {"count": found.count(), "evaluations": [_evaluation(e) for e in found[:limit]]}
