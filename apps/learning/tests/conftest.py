"""Learning test fixtures: a logged-in operator, the Ollama stand-in, and subjects to judge."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.llm.models import LlmRequest
from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from apps.workflows.services.definitions import workflow_create


@pytest.fixture
def operator_client(operator_user: Any) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.fixture
def ollama(ollama_server: Any, settings: Any) -> Any:
    settings.OLLAMA_URL = ollama_server.url
    return ollama_server


@pytest.fixture
def workflow(db: Any) -> Workflow:
    return workflow_create(name="summarise", steps=[{"id": "ok", "kind": "approval", "message": "?"}])


@pytest.fixture
def make_run(workflow: Workflow) -> Any:
    """``make_run(inputs=..., outputs=..., of=workflow)``: a finished run, as a worker leaves it."""

    def make(*, of: Workflow | None = None, **fields: Any) -> WorkflowRun:
        chosen = of or workflow
        fields = {"status": RunStatus.SUCCEEDED, "inputs": {"text": "long"}, "outputs": {"summary": "short"}, **fields}
        return WorkflowRun.objects.create(
            workflow=chosen, version=chosen.versions.get(version=chosen.version), **fields
        )

    return make


@pytest.fixture
def make_llm_request(db: Any) -> Any:
    def make(**fields: Any) -> LlmRequest:
        defaults = {
            "kind": "generate", "model": "llama2:7b", "use_case": "chat", "caller": "user:otto",
            "prompt_hash": "0" * 64, "status": "succeeded", "prompt_tokens": 12, "completion_tokens": 3,
        }  # fmt: skip
        return LlmRequest.objects.create(**{**defaults, **fields})

    return make
