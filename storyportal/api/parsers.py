"""The JSON parser of the gateway: DRF's, plus the limits PostgreSQL and Python impose.

PostgreSQL's ``jsonb`` cannot store the NUL character, and a few hundred levels of nesting
exhaust Python's recursion limit; both would otherwise surface as 500s.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(f"JSON is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError("JSON strings may not contain the NUL character (\\u0000).")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON is nested more than {MAX_DEPTH} levels deep.") from None
        _check(data)
        return data
