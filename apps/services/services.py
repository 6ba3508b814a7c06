"""Writes on the service catalog."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from apps.events.services import event_append
from apps.services.invocation import forget_availability
from apps.services.models import Service, service_aggregate_id
from apps.services.registry import ServiceSpec, load_catalog


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


@transaction.atomic
def catalog_sync(*, specs: dict[str, ServiceSpec] | None = None) -> SyncResult:
    """Make the ``services`` table match the registry in code. New or changed services get a
    ``ServiceRegistered`` event; services gone from the code are marked unavailable."""
    specs = load_catalog() if specs is None else specs
    result = SyncResult()
    existing = {row.name: row for row in Service.objects.select_for_update()}
    for name, spec in specs.items():
        row = existing.get(name)
        fingerprint = spec.fingerprint()
        if row is not None and row.fingerprint == fingerprint and row.available:
            result.unchanged += 1
            continue
        document = spec.document()
        Service.objects.update_or_create(
            name=name,
            defaults={
                "id": service_aggregate_id(name),
                "layer": spec.layer,
                "description": spec.description,
                "dependencies": document["dependencies"],
                "methods": document["methods"],
                "fingerprint": fingerprint,
                "available": True,
            },
        )
        (result.created if row is None else result.changed).append(name)
        event_append(
            aggregate_type="Service",
            aggregate_id=service_aggregate_id(name),
            event_type="ServiceRegistered",
            payload={"name": name, "layer": spec.layer, "methods": [m["name"] for m in document["methods"]]},
        )
    for name, row in existing.items():
        if name not in specs and row.available:
            row.available = False
            row.save(update_fields=["available", "updated_at"])
            result.removed.append(name)
    forget_availability()
    transaction.on_commit(forget_availability)
    return result
