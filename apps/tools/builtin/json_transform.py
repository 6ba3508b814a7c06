"""``json_transform``: reshape JSON data with a JMESPath expression."""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from apps.tools.errors import ToolInputInvalid
from apps.tools.registry import ToolContext, tool

MAX_EXPRESSION = 1000


@tool(
    name="json_transform",
    description="Select and reshape JSON data with a JMESPath expression (https://jmespath.org).",
    params={
        "type": "object",
        "properties": {
            "data": {"description": "Any JSON value."},
            "expression": {"type": "string", "minLength": 1, "maxLength": MAX_EXPRESSION},
        },
        "required": ["data", "expression"],
        "additionalProperties": False,
    },
    result={"type": "object", "properties": {"result": {}}, "required": ["result"]},
    timeout=5,
)
def json_transform(ctx: ToolContext, *, data: Any, expression: str) -> dict[str, Any]:
    try:
        compiled = jmespath.compile(expression)
    except JMESPathError as exc:
        raise _invalid("The expression is not valid JMESPath.", exc) from exc
    try:
        return {"result": compiled.search(data)}
    except JMESPathError as exc:
        # A function given the wrong type or number of arguments: the same inputs would fail
        # again, so it is an input error rather than a failure worth retrying.
        raise _invalid("The expression cannot be applied to this data.", exc) from exc


def _invalid(message: str, exc: JMESPathError) -> ToolInputInvalid:
    return ToolInputInvalid(message, details={"expression": [_text(exc)]})


def _text(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
