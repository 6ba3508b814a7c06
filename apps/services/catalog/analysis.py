"""L05 WorkflowAnalyzer, L06 TextComparer and EvaluationReport, L04 ModelUsage: reading what
the platform did and comparing what it produced."""

from __future__ import annotations

import difflib
import math
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rapidfuzz import fuzz

from apps.evaluation import selectors as evaluation_selectors
from apps.llm.embeddings import embed
from apps.llm.routing import model_for
from apps.llm.selectors import USAGE_GROUPS, request_usage
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, MethodError, method, service
from apps.workflows import selectors as workflow_selectors
from apps.workflows.analysis import step_graph, step_uses
from apps.workflows.definition import MAX_STEPS, validate
from apps.workflows.errors import DefinitionInvalid
from apps.workflows.models import Workflow
from apps.workflows.stats import run_stats, step_stats

WORKFLOW_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
DAYS = {"type": "integer", "minimum": 1, "maximum": 90, "default": 7}
DEFINITION = obj(
    {"name": {"type": "string"}, "description": {"type": "string"}, "steps": {"type": "array", "maxItems": MAX_STEPS},
     "inputs_schema": {"type": "object"}, "outputs": {"type": "object"}},
    "steps",
)  # fmt: skip


def _workflow(name: str) -> Workflow:
    found = workflow_selectors.workflow_list().filter(name=name).first()
    if found is None:
        raise MethodError(404, f"No workflow named {name}.")
    return found


def _problems(definition: dict[str, Any]) -> dict[str, list[str]]:
    try:
        validate(steps=definition.get("steps"), inputs_schema=definition.get("inputs_schema", {}),
                 outputs=definition.get("outputs", {}))  # fmt: skip
    except DefinitionInvalid as exc:
        return dict(exc.details or {"definition": [exc.message]})
    return {}


@service(
    name="WorkflowAnalyzer",
    layer="L05",
    description="A workflow's step DAG (parallel stages, longest chain, what it calls), and its run statistics.",
)
class WorkflowAnalyzer:
    @method(
        description=(
            "Analyse a workflow (by name) or a definition: stages of steps that can run in parallel, the longest "
            "dependency chain, the services, tools and models used, approvals, and validation problems."
        ),
        params=obj({"workflow": WORKFLOW_NAME, "definition": DEFINITION}),
        result=obj(
            {"workflow": {"type": ["string", "null"]}, "steps": {"type": "integer"}, "stages": {"type": "array"},
             "longest_chain": {"type": "array"}, "valid": {"type": "boolean"}, "problems": {"type": "object"}},
            "stages", "longest_chain", "valid", "problems",
        ),
    )  # fmt: skip
    def analyze(
        self, caller: Caller, workflow: str | None = None, definition: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if (workflow is None) == (definition is None):
            raise MethodError(400, "Give either a workflow (by name) or a definition.")
        if definition is None:
            found = _workflow(str(workflow))
            definition = {"steps": found.steps, "inputs_schema": found.inputs_schema, "outputs": found.outputs}
        steps, problems = definition["steps"], _problems(definition)
        graph = step_graph(steps)
        return {
            "workflow": workflow, "steps": len(steps), "stages": graph.stages,
            "parallelism": max(map(len, graph.stages), default=0), "longest_chain": graph.longest_chain,
            "on_cycle": graph.on_cycle, **step_uses(steps), "valid": not problems, "problems": problems,
        }  # fmt: skip

    @method(
        description=(
            "A workflow's runs in the last days (1-90, default 7): counts by status, success rate, p50/p95 run "
            "duration, and per step its p50/p95 duration, attempts and failures."
        ),
        params=obj({"workflow": WORKFLOW_NAME, "days": DAYS}, "workflow"),
        result=obj({"workflow": {"type": "string"}, "runs": {"type": "object"}, "steps": {"type": "array"}}),
    )
    def stats(self, caller: Caller, workflow: str, days: int = 7) -> dict[str, Any]:
        found = _workflow(workflow)
        since = timezone.now() - timedelta(days=days)
        return {
            "workflow": found.name, "days": days, "since": since.isoformat(),
            "runs": run_stats(workflow=found, since=since),
            "steps": step_stats(workflow=found, since=since),
        }  # fmt: skip


TEXT = {"type": "string", "maxLength": 20000}
DIFF_LINES = 500


def _lines(text: str) -> int:
    return len(text.splitlines())


def _cosine(first: list[float], second: list[float]) -> float:
    norms = math.hypot(*first) * math.hypot(*second)
    return sum(x * y for x, y in zip(first, second, strict=True)) / norms if norms else 0.0


@service(
    name="TextComparer",
    layer="L06",
    description="Compare two texts: fuzzy similarity ratios (rapidfuzz), a unified diff, and optionally meaning.",
    dependencies=(),
)
class TextComparer:
    @method(
        description=(
            f"Similarity of a and b (0-100: ratio, partial_ratio, token_set_ratio), their unified diff (at most "
            f"{DIFF_LINES} lines) and length and line deltas; semantic: true adds their embeddings' cosine similarity."
        ),
        params=obj(
            {"a": TEXT, "b": TEXT, "semantic": {"type": "boolean", "default": False},
             "context_lines": {"type": "integer", "minimum": 0, "maximum": 20, "default": 3}},
            "a", "b",
        ),
        result=obj(
            {"ratio": {"type": "number"}, "partial_ratio": {"type": "number"}, "token_set_ratio": {"type": "number"},
             "diff": {"type": "array"}, "diff_truncated": {"type": "boolean"}, "length_delta": {"type": "integer"},
             "line_delta": {"type": "integer"}, "semantic_similarity": {"type": ["number", "null"]}},
            "ratio", "partial_ratio", "token_set_ratio", "diff",
        ),
        timeout=30,
    )  # fmt: skip
    def compare(self, caller: Caller, a: str, b: str, semantic: bool = False, context_lines: int = 3) -> dict[str, Any]:
        if semantic and not (a.strip() and b.strip()):
            raise MethodError(400, "A semantic comparison needs two texts that are not blank.")
        diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "a", "b", n=context_lines, lineterm=""))
        body: dict[str, Any] = {
            "ratio": round(fuzz.ratio(a, b), 2), "partial_ratio": round(fuzz.partial_ratio(a, b), 2),
            "token_set_ratio": round(fuzz.token_set_ratio(a, b), 2), "identical": a == b,
            "diff": diff[:DIFF_LINES], "diff_truncated": len(diff) > DIFF_LINES,
            "length_delta": len(b) - len(a), "line_delta": _lines(b) - _lines(a), "semantic_similarity": None,
        }  # fmt: skip
        if semantic:  # the gateway's own errors (503 while Ollama is down) answer for themselves
            first, second = embed([a, b])
            body |= {"semantic_similarity": round(_cosine(first, second), 6), "model": model_for("embeddings")}
        return body


FAILING_SUBJECTS = 10


def _failing(evaluation: Any) -> dict[str, Any]:
    return {
        "id": str(evaluation.id), "subject_type": evaluation.subject_type,
        "subject_id": str(evaluation.subject_id) if evaluation.subject_id else None, "score": evaluation.score,
        "failed": [r.get("name") for r in evaluation.results if isinstance(r, dict) and not r.get("passed")],
        "created_at": evaluation.created_at.isoformat(),
    }  # fmt: skip


@service(
    name="EvaluationReport",
    layer="L06",
    description="How evaluations went lately: pass rate per check kind, judge scores, the checks that fail most.",
)
class EvaluationReport:
    @method(
        description=(
            "Evaluations of the last days (1-90, default 7), optionally of one workflow's runs: count and pass rate, "
            "pass rate per check kind, the judge's average score (0-10), the most failed checks and recent failures."
        ),
        params=obj({"days": DAYS, "workflow": WORKFLOW_NAME}),
        result=obj(
            {"evaluations": {"type": "integer"}, "pass_rate": {"type": ["number", "null"]},
             "by_kind": {"type": "array"}, "judge": {"type": "object"}, "most_failed": {"type": "array"},
             "recent_failing": {"type": "array"}},
            "evaluations", "by_kind", "most_failed", "recent_failing",
        ),
    )  # fmt: skip
    def summary(self, caller: Caller, days: int = 7, workflow: str | None = None) -> dict[str, Any]:
        workflow_id = _workflow(workflow).pk if workflow else None
        since = timezone.now() - timedelta(days=days)
        summary = evaluation_selectors.evaluation_summary(since=since, workflow_id=workflow_id)
        failing = evaluation_selectors.failing_evaluations(since=since, workflow_id=workflow_id)
        recent = [_failing(e) for e in failing[:FAILING_SUBJECTS]]
        return {"days": days, "workflow": workflow, **summary, "recent_failing": recent}


@service(
    name="ModelUsage",
    layer="L04",
    description="Model gateway usage per model, use case or caller: calls, errors, tokens, latency percentiles.",
)
class ModelUsage:
    @method(
        description=(
            "Calls of the last hours (1-720, default 24) grouped by model, use_case or caller: calls, errors, "
            "coalesced, tokens in and out, p50/p95 latency and p50 time to first token (ms)."
        ),
        params=obj(
            {"hours": {"type": "integer", "minimum": 1, "maximum": 720, "default": 24},
             "group_by": {"enum": list(USAGE_GROUPS), "default": "model"}},
        ),
        result=obj({"group_by": {"type": "string"}, "groups": {"type": "array"}}, "group_by", "groups"),
    )  # fmt: skip
    def usage(self, caller: Caller, hours: int = 24, group_by: str = "model") -> dict[str, Any]:
        since = timezone.now() - timedelta(hours=hours)
        groups = request_usage(since=since, group_by=group_by)
        totals = {key: sum(g[key] for g in groups) for key in ("calls", "errors", "prompt_tokens", "completion_tokens")}
        return {"hours": hours, "since": since.isoformat(), "group_by": group_by, "totals": totals, "groups": groups}
