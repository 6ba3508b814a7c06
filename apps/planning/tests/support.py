"""Plans the stand-in model answers with, and the fixtures that point the gateway at it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

GOOD_GOAL = "report the layer routes after a person approves"
BAD_GOAL = "report the routes with a broken plan"

GOOD_PLAN: dict[str, Any] = {
    "name": "route-report",
    "description": "Ask a person, then read the layer routes.",
    "inputs_schema": {"type": "object", "properties": {"note": {"type": "string"}}},
    "steps": [
        {"id": "ok", "kind": "approval", "depends_on": [], "message": "Read the routes? {{ inputs.note }}"},
        {
            "id": "routes",
            "kind": "service",
            "depends_on": ["ok"],
            "service": "RouteTable",
            "method": "routes",
            "params": {},
        },
    ],
    "outputs": {"routes": "{{ steps.routes.output }}"},
}
# Two mistakes: a method the service does not have, and a step reading one it does not depend on.
BAD_PLAN: dict[str, Any] = {
    **GOOD_PLAN,
    "name": "broken-report",
    "steps": [
        {"id": "ok", "kind": "approval", "depends_on": [], "message": "Read the routes?"},
        {
            "id": "routes",
            "kind": "service",
            "depends_on": [],
            "service": "RouteTable",
            "method": "list_routes",
            "params": {"after": "{{ steps.ok.output }}"},
        },
    ],
}


@pytest.fixture
def ollama(ollama_server: Any, settings: Any) -> Any:
    """The stand-in, with the code model the planner uses pulled, answering the two goals."""
    settings.OLLAMA_URL = ollama_server.url
    ollama_server.models = [*ollama_server.models, settings.LLM_MODELS["code"]]
    ollama_server.reply(GOOD_GOAL, json.dumps(GOOD_PLAN))
    ollama_server.reply(BAD_GOAL, json.dumps(BAD_PLAN))
    return ollama_server


@pytest.fixture
def operator_client(operator_user: Any) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client
