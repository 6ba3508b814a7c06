"""The workflow engine's refusals (each maps to a status in the envelope)."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import Conflict, DomainError


class DefinitionInvalid(DomainError):
    """A definition that cannot be saved; ``details`` names each step with its problems."""


class InputsInvalid(DomainError):
    """Run inputs that do not fit the workflow's ``inputs_schema``."""


class RunFinished(Conflict):
    """The run already ended (cancel, approve of a finished run)."""


class NotWaiting(Conflict):
    """An approval decision for a step that is not waiting for one."""


class VersionNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class ScheduleInvalid(DomainError):
    """A cron expression or time zone that does not parse."""


class WebhookRefused(DomainError):
    """An inbound webhook call without a valid signature."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "not_authenticated"


class RunForbidden(DomainError):
    """Starting a run needs write:services, whoever (or whatever trigger) asks."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
