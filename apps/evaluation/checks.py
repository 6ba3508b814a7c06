"""Deterministic checks of an output. A check is ``{"type", "name"?, ...its fields}``:

- ``json_schema`` ``{"schema": {...}}``: the output parses as JSON and validates;
- ``regex`` ``{"pattern": "...", "ignore_case"?: bool}``: the pattern matches somewhere;
- ``min_length`` / ``max_length`` ``{"value": n}``: the output's length in characters;
- ``contains`` / ``not_contains`` ``{"value": "..."}``: a case-sensitive substring.

Checks are checked before any runs (:func:`prepare`), so a bad one is a 400, never a failed
result. Python's ``re`` has no time limit; patterns and outputs have bounded lengths instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema

from apps.evaluation.errors import EvaluationInvalid

MAX_OUTPUT = 100_000
MAX_PATTERN = 500
MAX_CHECKS = 50
MAX_VALUE = 10_000

Result = dict[str, Any]


def _local_refs_only(value: Any) -> bool:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return False
        return all(_local_refs_only(item) for item in value.values())
    if isinstance(value, list):
        return all(_local_refs_only(item) for item in value)
    return True


def _schema_problems(check: dict[str, Any]) -> list[str]:
    schema = check.get("schema")
    if not isinstance(schema, dict):
        return ["schema must be a JSON Schema object"]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"schema is not a valid JSON Schema: {exc.message}"]
    return [] if _local_refs_only(schema) else ["schema may only $ref within itself (#/...)"]


def _regex_problems(check: dict[str, Any]) -> list[str]:
    pattern = check.get("pattern")
    if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN:
        return [f"pattern must be text of 1 to {MAX_PATTERN} characters"]
    if not isinstance(check.get("ignore_case", False), bool):
        return ["ignore_case must be true or false"]
    try:
        re.compile(pattern)
    except re.error as exc:
        return [f"pattern is not a valid regular expression: {exc}"]
    return []


def _length_problems(check: dict[str, Any]) -> list[str]:
    value = check.get("value")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_OUTPUT:
        return [f"value must be a whole number from 0 to {MAX_OUTPUT}"]
    return []


def _text_problems(check: dict[str, Any]) -> list[str]:
    value = check.get("value")
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE:
        return [f"value must be text of 1 to {MAX_VALUE} characters"]
    return []


def _json_schema(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    try:
        document = json.loads(output)
    except ValueError as exc:
        return False, f"the output is not JSON: {exc}"
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(check["schema"]).iter_errors(document))
    if error is None:
        return True, "the output is JSON that fits the schema"
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return False, f"at {where}: {error.message}"


def _regex(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    flags = re.IGNORECASE if check.get("ignore_case") else 0
    found = re.search(check["pattern"], output, flags)
    return (True, f"matched at {found.start()}") if found else (False, "no match")


def _min_length(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    return len(output) >= check["value"], f"{len(output)} characters, at least {check['value']} wanted"


def _max_length(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    return len(output) <= check["value"], f"{len(output)} characters, at most {check['value']} wanted"


def _contains(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    found = check["value"] in output
    return found, "found" if found else "not found"


def _not_contains(output: str, check: dict[str, Any]) -> tuple[bool, str]:
    found = check["value"] in output
    return not found, "found" if found else "not found"


Checker = Callable[[str, dict[str, Any]], tuple[bool, str]]
CHECKS: dict[str, tuple[Callable[[dict[str, Any]], list[str]], Checker]] = {
    "json_schema": (_schema_problems, _json_schema),
    "regex": (_regex_problems, _regex),
    "min_length": (_length_problems, _min_length),
    "max_length": (_length_problems, _max_length),
    "contains": (_text_problems, _contains),
    "not_contains": (_text_problems, _not_contains),
}
FIELDS = {"type", "name", "schema", "pattern", "ignore_case", "value"}


def _problems(check: Any) -> list[str]:
    if not isinstance(check, dict):
        return ["must be an object with a type"]
    kind = check.get("type")
    if kind not in CHECKS:
        return [f"type must be one of {', '.join(CHECKS)}"]
    name = check.get("name", kind)
    if not isinstance(name, str) or not name or len(name) > 100:
        return ["name must be text of 1 to 100 characters"]
    unknown = set(check) - FIELDS
    if unknown:
        return [f"unknown fields: {', '.join(sorted(unknown))}"]
    return CHECKS[kind][0](check)


def prepare(checks: Any) -> list[dict[str, Any]]:
    """The checks, if every one can run; else 400 with the problems by ``checks[<index>]``."""
    if not isinstance(checks, list) or len(checks) > MAX_CHECKS:
        raise EvaluationInvalid(f"checks must be a list of at most {MAX_CHECKS} checks.")
    problems = {f"checks[{index}]": found for index, check in enumerate(checks) if (found := _problems(check))}
    if problems:
        place, found = next(iter(problems.items()))
        raise EvaluationInvalid(f"A check cannot run: {place}: {found[0]}", details=problems)
    return [dict(check) for check in checks]


def run(output: str, checks: list[dict[str, Any]]) -> list[Result]:
    """Each check's result: ``{"name", "type", "passed", "detail"}``, in the order asked."""
    results = []
    for check in checks:
        passed, detail = CHECKS[check["type"]][1](output, check)
        results.append({"name": check.get("name", check["type"]), "type": check["type"], "passed": passed,
                        "detail": detail})  # fmt: skip
    return results
