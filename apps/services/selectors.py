"""Reads on the service catalog, with each service's live health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from apps.monitoring.health.report import readiness
from apps.services.models import Service
from apps.services.registry import load_catalog
from apps.services.search import MAX_RESULTS, Hit, search
from apps.services.semantic import Semantic, similarities


def service_list(*, layer: str | None = None) -> QuerySet[Service]:
    services = Service.objects.filter(available=True).defer("embedding")
    return services.filter(layer=layer) if layer else services


def service_search(query: str, *, layer: str | None = None, limit: int = MAX_RESULTS) -> tuple[list[Hit], Semantic]:
    """Fuzzy matches merged with semantic similarity (when Ollama answers), best first."""
    meaning = similarities(query)
    hits = search(
        query,
        list(service_list(layer=layer)),
        limit=limit,
        similarities=meaning.similarities,
        min_similarity=settings.SERVICE_SEARCH_MIN_SIMILARITY,
    )
    return hits, meaning


def dependency_statuses() -> dict[str, str]:
    """Each dependency's status from the (cached, budgeted) health checks."""
    return {dep["name"]: dep["status"] for dep in readiness()["dependencies"]}


def service_health(service: Service, statuses: dict[str, str]) -> str:
    """healthy when every dependency the service declares is healthy, else unhealthy."""
    return "healthy" if all(statuses.get(dep) == "healthy" for dep in service.dependencies) else "unhealthy"


def catalog_in_sync() -> bool:
    """Whether the table holds exactly what the code registers (a startup condition)."""
    code = {name: spec.fingerprint() for name, spec in load_catalog().items()}
    table = dict(Service.objects.filter(available=True).values_list("name", "fingerprint"))
    return code == table


def service_document(service: Service, health: str) -> dict[str, Any]:
    return {
        "name": service.name,
        "layer": service.layer,
        "description": service.description,
        "methods": [
            {"name": m["name"], "description": m["description"], "params_schema": m["params_schema"]}
            for m in service.methods
        ],
        "health": health,
    }
