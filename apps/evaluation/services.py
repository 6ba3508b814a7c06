"""Evaluating an output: deterministic checks, and a model judge when a rubric is given.

The overall ``score`` is the mean over the results: a check counts 1 when it passed and 0
when not, the judge counts its score / 10 (0 when its answer was unusable). ``passed`` means
every result passed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from apps.evaluation import checks as deterministic
from apps.evaluation import judge
from apps.evaluation.errors import EvaluationInvalid, SubjectNotFound
from apps.evaluation.models import Evaluation, SubjectType
from apps.events.services import event_append
from apps.llm.models import LlmRequest
from apps.workflows.models import WorkflowRun

MAX_RUBRIC = 5000


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise EvaluationInvalid(
            "subject_id must be a UUID.", details={"subject_id": ["Must be a valid UUID."]}
        ) from None


def _subject_output(subject_type: str, subject_id: Any, output: str | None) -> str:
    """The text to evaluate: given, or a run's outputs as JSON. A linked subject must exist;
    an LLM request only keeps its prompt's hash, so its output has to be given."""
    if subject_type not in SubjectType.values:
        raise EvaluationInvalid(f"subject_type must be one of {', '.join(SubjectType.values)}.")
    if subject_type != SubjectType.TEXT and subject_id is None:
        raise EvaluationInvalid(f"A {subject_type} evaluation needs the subject_id.")
    if subject_type == SubjectType.WORKFLOW_RUN:
        run = WorkflowRun.objects.filter(pk=subject_id).first()
        if run is None:
            raise SubjectNotFound(f"No workflow run with id {subject_id}.")
        if output is None:
            return json.dumps(run.outputs, sort_keys=True, cls=DjangoJSONEncoder)
    if subject_type == SubjectType.LLM_REQUEST and not LlmRequest.objects.filter(pk=subject_id).exists():
        raise SubjectNotFound(f"No LLM request with id {subject_id}.")
    if output is None:
        raise EvaluationInvalid("output is required: the text to evaluate.", details={"output": ["Required."]})
    return output


def _score(results: list[dict[str, Any]], verdict: judge.Verdict | None) -> float:
    points = [verdict.score if r["type"] == "judge" and verdict else float(r["passed"]) for r in results]
    return round(sum(points) / len(points), 4)


def evaluate(
    *,
    output: str | None = None,
    rubric: str | None = None,
    checks: list[dict[str, Any]] | None = None,
    subject_type: str = SubjectType.TEXT,
    subject_id: Any = None,
    user: Any,
    caller: str,
) -> Evaluation:
    """Run the checks and (with a rubric) the judge on the output and keep the evaluation.
    400 for checks that cannot run or nothing to do, 404 for a missing subject; the judge's
    Ollama failures propagate (503...), while checks alone never call a model."""
    wanted = deterministic.prepare(checks or [])
    rubric = (rubric or "").strip()
    if len(rubric) > MAX_RUBRIC:
        raise EvaluationInvalid(f"The rubric is longer than {MAX_RUBRIC} characters.")
    if not wanted and not rubric:
        raise EvaluationInvalid("Ask for at least one check or give a rubric.")
    subject_id = _uuid(subject_id)
    text = _subject_output(subject_type, subject_id, output)
    if len(text) > deterministic.MAX_OUTPUT:
        raise EvaluationInvalid(f"The output is longer than {deterministic.MAX_OUTPUT} characters.")
    results = deterministic.run(text, wanted)
    verdict = judge.ask(rubric=rubric, output=text, user=user, caller=caller) if rubric else None
    if verdict is not None:
        results.append(verdict.result)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            subject_type=subject_type, subject_id=subject_id, output=text, rubric=rubric, checks=wanted,
            results=results, judge=verdict.judge if verdict else None, score=_score(results, verdict),
            passed=all(r["passed"] for r in results), model=verdict.model if verdict else "",
            llm_request_id=verdict.request_id if verdict else None,
            created_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        event_append(
            aggregate_type="Evaluation", aggregate_id=evaluation.id, event_type="OutputEvaluated",
            payload={
                "id": str(evaluation.id), "subject_type": subject_type,
                "subject_id": str(subject_id) if subject_id else None, "score": evaluation.score,
                "passed": evaluation.passed, "checks": len(wanted),
                "verdict": verdict.judge["verdict"] if verdict and verdict.judge else None,
            },
        )  # fmt: skip
    return evaluation
