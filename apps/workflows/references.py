"""References from a step to the run's inputs and earlier steps' outputs.

Anywhere in a step's ``params``/``inputs`` (and in the workflow's ``outputs``) a string
``"{{ <expression> }}"`` is replaced by the value of a JMESPath expression over
``{"inputs": {...}, "steps": {"<id>": {"output": ..., "status": ...}}}``, keeping its type;
``{{ ... }}`` inside a longer string is replaced by the value as text. Expressions start
with ``inputs`` or ``steps.<id>``; ``when`` and condition ``expression`` are bare JMESPath.
Nothing is ever evaluated as Python.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

REFERENCE = re.compile(r"\{\{\s*(.+?)\s*\}\}")
_ROOT = re.compile(r"^(?:inputs\b|steps\.([A-Za-z_][A-Za-z0-9_]*)\b)")
_STEP_NAMES = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_]*)")


class InvalidReference(ValueError):
    """An expression that does not parse or points somewhere it may not."""


@lru_cache(maxsize=1024)
def compiled(expression: str) -> ParsedResult:
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise InvalidReference(f"{expression!r} is not a valid JMESPath expression: {exc}") from exc


def expressions(value: Any) -> list[str]:
    """Every ``{{ expression }}`` in a JSON value."""
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, dict):
        return [e for item in value.values() for e in expressions(item)]
    if isinstance(value, list):
        return [e for item in value for e in expressions(item)]
    return []


def referenced_steps(expression: str, *, bare: bool = False) -> set[str]:
    """The step ids an expression reads; a ``{{ }}`` reference must start at ``inputs`` or
    ``steps.<id>`` (``bare`` expressions, conditions, may combine several)."""
    compiled(expression)
    if not bare and not _ROOT.match(expression):
        raise InvalidReference(f"{expression!r} must start with inputs or steps.<id>")
    return set(_STEP_NAMES.findall(expression))


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The expression's value; an error while evaluating (a function given the wrong type,
    comparing a string with a number) is an :class:`InvalidReference`, never a crash."""
    try:
        return compiled(expression).search(context)
    except InvalidReference:
        raise
    except Exception as exc:
        raise InvalidReference(f"{expression!r} could not be evaluated: {exc}") from exc


def render(value: Any, context: dict[str, Any]) -> Any:
    """``value`` with every reference replaced (see the module docstring)."""
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value.strip())
        if whole:
            return evaluate(whole.group(1), context)
        return REFERENCE.sub(lambda m: _text(evaluate(m.group(1), context)), value)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
