"""L12 ServiceCatalog and HealthMonitor."""

from __future__ import annotations

from typing import Any

from apps.monitoring.health.layers import LAYERS
from apps.monitoring.health.report import layers as layer_report
from apps.monitoring.health.report import readiness
from apps.services import selectors
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, MethodError, method, service

LAYER = {"enum": [layer.code for layer in LAYERS]}


@service(name="ServiceCatalog", layer="L12", description="Discover the hub's services and their methods.")
class ServiceCatalog:
    @method(
        description="Service names with their layers, optionally of one layer.",
        params=obj({"layer": LAYER}),
        result=obj({"services": {"type": "array"}}, "services"),
    )
    def list(self, caller: Caller, layer: str | None = None) -> dict[str, Any]:
        rows = selectors.service_list(layer=layer)
        return {"services": [{"name": s.name, "layer": s.layer, "methods": s.method_names} for s in rows]}

    @method(
        description="One service's documentation, with its methods' schemas.",
        params=obj({"name": {"type": "string", "maxLength": 100}}, "name"),
        result={"type": "object"},
    )
    def describe(self, caller: Caller, name: str) -> dict[str, Any]:
        row = selectors.service_list().filter(name=name).first()
        if row is None:
            raise MethodError(404, f"No service named {name}.")
        return selectors.service_document(row, selectors.service_health(row, selectors.dependency_statuses()))


@service(
    name="HealthMonitor",
    layer="L12",
    description="Live health of the platform's dependencies and layers.",
    dependencies=(),
)
class HealthMonitor:
    @method(description="Readiness: every dependency's status and latency.", result={"type": "object"})
    def readiness(self, caller: Caller) -> dict[str, Any]:
        return readiness()

    @method(description="Each layer's status from its own dependencies.", result={"type": "object"})
    def layers(self, caller: Caller) -> dict[str, Any]:
        return layer_report()
