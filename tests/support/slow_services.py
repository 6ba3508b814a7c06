"""A hub service for tests of crash recovery (loaded through SERVICE_CATALOG_EXTRA_MODULES;
never part of the platform's catalog): it writes, then takes its time, so a test can kill the
worker in the middle of the step."""

from __future__ import annotations

from typing import Any

from django.db import connection

from apps.agents.services import agent_create
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, method, service


@service(name="TestProbe", layer="L12", description="Test-only: create an agent, then wait in PostgreSQL.")
class TestProbe:
    @method(
        description="Create an agent named `name`, then sleep `seconds` inside the same transaction.",
        params=obj(
            {"name": {"type": "string", "maxLength": 100}, "seconds": {"type": "number", "maximum": 30}},
            "name",
            "seconds",
        ),
        result=obj({"id": {"type": "string"}}),
        writes=True,
        timeout=60,
    )
    def slow_create(self, caller: Caller, name: str, seconds: float) -> dict[str, Any]:
        agent = agent_create(name=name, layer="L02")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return {"id": str(agent.id)}
