"""The evaluator's refusals (each maps to a status in the envelope)."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import DomainError


class EvaluationInvalid(DomainError):
    """Checks that cannot run (an unknown type, a pattern that does not compile), or nothing to evaluate."""


class SubjectNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
