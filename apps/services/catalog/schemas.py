"""JSON Schema fragments shared by the catalog."""

from __future__ import annotations

from typing import Any

UUID = {"type": "string", "format": "uuid"}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}


def obj(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}
