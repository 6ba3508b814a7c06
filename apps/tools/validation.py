"""Checking inputs against a tool's JSON Schema (400 with the errors of each field)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema

from apps.tools.errors import ToolInputInvalid
from apps.tools.registry import ToolSpec


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def inputs_validate(spec: ToolSpec, inputs: Any) -> None:
    if not isinstance(inputs, dict):
        raise ToolInputInvalid("The inputs must be a JSON object.", details={"inputs": ["Expected an object."]})
    validator = _validator(json.dumps(spec.params_schema, sort_keys=True))
    errors = sorted(validator.iter_errors(inputs), key=str)
    if errors:
        details: dict[str, Any] = {}
        for error in errors:
            field = ".".join(map(str, error.absolute_path)) or "inputs"
            details.setdefault(field, []).append(_short(error.message))
        raise ToolInputInvalid(f"The inputs do not match the schema of {spec.name}.", details=details)


def _short(message: str, limit: int = 300) -> str:
    """Messages quote the value; a 20 000-character template need not come back whole."""
    return message if len(message) <= limit else f"{message[: limit - 1]}…"
