"""What can go wrong with a tool call, and how each answers over HTTP."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import DomainError


class ToolNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class ToolInputInvalid(DomainError):
    """The inputs do not fit the tool (its schema, or a check only the tool can make, such as
    a JMESPath expression that does not parse). Nothing ran; nothing is recorded."""


class ToolError(Exception):
    """The tool ran and failed (a host that does not answer, a timeout). The execution is
    recorded as ``failed`` with this message; the caller decides whether to retry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
