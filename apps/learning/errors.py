"""Learning's refusals (each maps to a status in the envelope)."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import DomainError


class FeedbackInvalid(DomainError):
    """Feedback that says nothing (no score and no label), or a score out of range."""


class TemplateInvalid(DomainError):
    """A template text that does not parse, or variables it cannot be rendered with."""


class ExportInvalid(DomainError):
    """An export of an unknown subject, or with a filter that does not apply to it."""


class NotFound(DomainError):
    """A feedback subject, a template version or a template that does not exist."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class NotYours(DomainError):
    """Someone else's feedback: only its author or an admin may delete it."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
