"""The deterministic checks: each passing and failing, and checks that cannot run refused."""

from __future__ import annotations

from typing import Any

import pytest

from apps.evaluation.checks import MAX_PATTERN, prepare, run
from apps.evaluation.errors import EvaluationInvalid

SCHEMA = {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "integer"}}}


@pytest.mark.parametrize(
    ("check", "output", "passed"),
    [
        ({"type": "json_schema", "schema": SCHEMA}, '{"answer": 42}', True),
        ({"type": "json_schema", "schema": SCHEMA}, '{"answer": "42"}', False),
        ({"type": "json_schema", "schema": SCHEMA}, "42, I think", False),
        ({"type": "regex", "pattern": r"\b\d{2}\b"}, "it is 42.", True),
        ({"type": "regex", "pattern": r"^\d+$"}, "it is 42.", False),
        ({"type": "regex", "pattern": "PARIS", "ignore_case": True}, "Paris", True),
        ({"type": "min_length", "value": 3}, "abc", True),
        ({"type": "min_length", "value": 4}, "abc", False),
        ({"type": "max_length", "value": 3}, "abc", True),
        ({"type": "max_length", "value": 2}, "abc", False),
        ({"type": "contains", "value": "Paris"}, "in Paris", True),
        ({"type": "contains", "value": "paris"}, "in Paris", False),
        ({"type": "not_contains", "value": "sorry"}, "in Paris", True),
        ({"type": "not_contains", "value": "sorry"}, "sorry, no", False),
    ],
)
def test_each_check_passes_and_fails(check: dict[str, Any], output: str, passed: bool) -> None:
    (result,) = run(output, prepare([check]))
    assert (result["name"], result["type"], result["passed"]) == (check["type"], check["type"], passed)
    assert result["detail"]


def test_a_check_may_be_named_and_results_keep_the_order() -> None:
    checks = [{"type": "contains", "value": "a", "name": "has an a"}, {"type": "max_length", "value": 1}]
    assert [(r["name"], r["passed"]) for r in run("ab", prepare(checks))] == [("has an a", True), ("max_length", False)]


def test_a_schema_failure_says_where() -> None:
    (result,) = run('{"answer": "x"}', prepare([{"type": "json_schema", "schema": SCHEMA}]))
    assert result["detail"].startswith("at answer: ")


@pytest.mark.parametrize(
    ("check", "problem"),
    [
        ({"type": "spellcheck"}, "type must be one of"),
        ("contains", "must be an object"),
        ({"type": "regex", "pattern": "("}, "not a valid regular expression"),
        ({"type": "regex", "pattern": "a" * (MAX_PATTERN + 1)}, "pattern must be text"),
        ({"type": "regex", "pattern": "a", "ignore_case": "yes"}, "ignore_case"),
        ({"type": "json_schema", "schema": {"type": "nothing"}}, "not a valid JSON Schema"),
        ({"type": "json_schema", "schema": {"$ref": "https://example.com/s.json"}}, "$ref"),
        ({"type": "min_length", "value": -1}, "whole number"),
        ({"type": "max_length", "value": True}, "whole number"),
        ({"type": "contains", "value": ""}, "value must be text"),
        ({"type": "contains", "value": "a", "flags": "i"}, "unknown fields: flags"),
    ],
)
def test_checks_that_cannot_run_are_refused_with_their_place(check: Any, problem: str) -> None:
    with pytest.raises(EvaluationInvalid) as refused:
        prepare([{"type": "contains", "value": "ok"}, check])
    assert problem in refused.value.details["checks[1]"][0]  # type: ignore[index]
    assert refused.value.status_code == 400
