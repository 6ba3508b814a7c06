"""What the model gateway answers when Ollama cannot (each maps to a status in the envelope)."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import DomainError


class ModelGatewayError(DomainError):
    """Base of the gateway's failures."""


class ModelUnavailable(ModelGatewayError):
    """Ollama is down, failing, or its circuit is open: fail fast, try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


class ModelTimeout(ModelGatewayError):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    code = "timeout"


class ModelNotFound(ModelGatewayError):
    """The model is not pulled on this Ollama; the message says how to pull it."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(
            f"Model {model!r} is not available on Ollama. Pull it on the Ollama host with `ollama pull {model}`.",
            details={"model": model},
        )
        self.model = model


class ModelRejected(ModelGatewayError):
    """Ollama refused the request itself (bad options, wrong kind of model)."""
