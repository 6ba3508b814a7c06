"""The eleven platform layers (spec 7.1; there is no L08) and what each one depends on.

A layer's dependency list carries its own criticality: the model gateway cannot serve
without Ollama, the runtime cannot run anything without a worker, while for the platform as
a whole both are optional.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    code: str
    name: str
    description: str
    apps: tuple[str, ...]
    # (check name, critical for this layer)
    dependencies: tuple[tuple[str, bool], ...]

    @property
    def slug(self) -> str:
        return self.code.lower()


_PG, _REDIS = ("postgres", True), ("redis", True)

LAYERS: tuple[Layer, ...] = (
    Layer(
        "L01",
        "Data Layer",
        "Users, keys, sessions, events and the registries' storage.",
        ("accounts", "events", "knowledge"),
        (_PG, _REDIS),
    ),
    Layer(
        "L02",
        "Agent Runtime",
        "Agents and their lifecycle; runs work on Celery workers.",
        ("agents",),
        (_PG, _REDIS, ("workers", True)),
    ),
    Layer("L03", "Tool Execution", "Registered tools executed by workers.", ("tools",), (_PG, ("workers", True))),
    Layer("L04", "Model Gateway", "Ollama models: generate, chat, embed.", ("llm",), (_REDIS, ("ollama", True))),
    Layer(
        "L05",
        "Planning",
        "Goals and plans turned into workflows.",
        ("goals", "workflows", "planning"),
        (_PG, ("ollama", False)),
    ),
    Layer("L06", "Evaluation", "Scores outputs against rubrics and checks.", ("evaluation",), (_PG, ("ollama", False))),
    Layer("L07", "Learning", "Feedback, datasets and prompt versions.", ("learning",), (_PG,)),
    Layer("L09", "API Gateway", "Authentication, throttling, routing, metrics.", ("accounts",), (_PG, _REDIS)),
    Layer("L10", "Human Interface", "The control center and live feeds.", ("monitoring",), (_PG, _REDIS)),
    Layer("L11", "Integration", "Schedules and webhooks.", ("integrations", "workflows"), (_PG, ("workers", True))),
    Layer("L12", "Service Hub", "The searchable, invocable service catalog.", ("services",), (_PG, _REDIS)),
)

BY_SLUG = {layer.slug: layer for layer in LAYERS}
