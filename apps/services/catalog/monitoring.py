"""L12 MetricsService and AlertManager: the platform's request figures, its Prometheus
samples, and the alerts raised by the rules (``apps.monitoring``)."""

from __future__ import annotations

from typing import Any

from apps.monitoring import alert_selectors, alerts
from apps.monitoring.models import Alert, AlertRule, AlertStatus, Severity
from apps.monitoring.notify import alert_document
from apps.monitoring.summary import DEFAULT_WINDOW, WINDOWS, monitoring_summary
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service
from storyportal.api.metrics import metric_families

FAMILY = {"type": "string", "pattern": "^storyportal_[a-z0-9_]+$", "maxLength": 100}
ALERT = obj(
    {"id": UUID, "rule": {"type": "string"}, "kind": {"type": "string"}, "severity": {"type": "string"},
     "status": {"type": "string"}, "started_at": {"type": "string"}, "resolved_at": {"type": ["string", "null"]},
     "details": {"type": "object"}},
    "id", "rule", "severity", "status", "started_at",
)  # fmt: skip
SAMPLE = obj({"name": {"type": "string"}, "labels": {"type": "object"}, "value": {"type": "number"}})


def _rule(rule: AlertRule) -> dict[str, Any]:
    fields = ("name", "description", "kind", "target", "threshold", "window_minutes", "min_requests", "for_seconds",
              "severity", "enabled")  # fmt: skip
    return {"id": str(rule.id), **{field: getattr(rule, field) for field in fields}}


@service(
    name="MetricsService",
    layer="L12",
    description="Request rate, error rate and latency percentiles over 5/15/60 minutes, and Prometheus samples.",
    dependencies=("redis",),
)
class MetricsService:
    @method(
        description=(
            "Requests per second, the 5xx share (0-1) and p50/p95/p99 latency (ms) over the last `window` minutes, "
            "every window's figures under `windows`, the backends' status and the open alerts."
        ),
        params=obj({"window": {"enum": list(WINDOWS), "default": DEFAULT_WINDOW}}),
        result=obj({"request_rate": {"type": "number"}, "error_rate": {"type": "number"},
                    "latency_ms": {"type": "object"}, "backends": {"type": "array"}, "windows": {"type": "object"}},
                   "request_rate", "error_rate", "latency_ms", "backends"),
    )  # fmt: skip
    def summary(self, caller: Caller, window: int = DEFAULT_WINDOW) -> dict[str, Any]:
        return monitoring_summary(window=window)

    @method(
        description="The metric families /metrics serves: name, type and help.",
        result=obj({"families": {"type": "array"}}, "families"),
    )
    def families(self, caller: Caller) -> dict[str, Any]:
        found = [{"name": f.name, "type": f.type, "help": f.documentation} for f in metric_families()]
        return {"families": sorted(found, key=lambda family: family["name"])}

    @method(
        description="The current samples of one metric family (e.g. storyportal_http_requests); 404 if unknown.",
        params=obj({"family": FAMILY, "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}},
                   "family"),
        result=obj({"family": {"type": "string"}, "type": {"type": "string"}, "count": {"type": "integer"},
                    "samples": {"type": "array", "items": SAMPLE}}, "family", "samples"),
    )  # fmt: skip
    def samples(self, caller: Caller, family: str, limit: int = 200) -> dict[str, Any]:
        # Counters are named without _total in the client library; accept either spelling.
        wanted = family.removesuffix("_total")
        for found in metric_families():
            if found.name == wanted:
                rows = [{"name": s.name, "labels": s.labels, "value": s.value} for s in found.samples]
                return {"family": found.name, "type": found.type, "count": len(rows), "samples": rows[:limit]}
        raise MethodError(404, f"No metric family named {family}; see MetricsService.families.")


@service(
    name="AlertManager",
    layer="L12",
    description="Alerts raised by the monitoring rules (error rate, p99 latency, backend down, queue backlog).",
)
class AlertManager:
    @method(
        description="Alerts newest first, optionally of one status, severity or rule.",
        params=obj({"status": {"enum": list(AlertStatus.values)}, "severity": {"enum": list(Severity.values)},
                    "rule": {"type": "string", "maxLength": 64}, "limit": LIMIT}),
        result=obj({"alerts": {"type": "array", "items": ALERT}}, "alerts"),
    )  # fmt: skip
    def alerts(self, caller: Caller, limit: int = 20, rule: str | None = None, **filters: str) -> dict[str, Any]:
        found = alert_selectors.alert_list().filter(**filters)
        if rule:
            found = found.filter(rule__name=rule)
        return {"alerts": [alert_document(alert) for alert in found[:limit]]}

    @method(
        description="Take a firing alert: it becomes acknowledged (404 unknown, 409 not firing).",
        params=obj({"alert_id": UUID}, "alert_id"),
        result=ALERT,
        writes=True,
    )
    def acknowledge(self, caller: Caller, alert_id: str) -> dict[str, Any]:
        try:
            alert = alert_selectors.alert_list().get(pk=alert_id)
        except Alert.DoesNotExist:
            raise MethodError(404, f"No alert {alert_id}.") from None
        return alert_document(alerts.alert_acknowledge(alert=alert, user=caller.user))

    @method(
        description="The alert rules and whether each is enabled.",
        result=obj({"rules": {"type": "array"}}, "rules"),
    )
    def rules(self, caller: Caller) -> dict[str, Any]:
        return {"rules": [_rule(rule) for rule in alert_selectors.alert_rule_list()]}
