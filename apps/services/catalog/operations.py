"""Operating the platform: L09 AuditTrail, L10 ReportBuilder, L11 InboundWebhooks, L12
DependencyMap and ConfigInspector, and L07 PromptExperiments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.scopes import ADMIN
from apps.events.api.serializers import EventSerializer
from apps.events.selectors import event_search
from apps.learning import experiments
from apps.learning import selectors as learning_selectors
from apps.learning.models import SCORE_MAX, SCORE_MIN, PromptTemplate, PromptVersion
from apps.learning.services.prompts import version_get
from apps.monitoring import config as platform_config
from apps.monitoring.activity import Audience, activity_report
from apps.monitoring.activity_markdown import activity_markdown
from apps.monitoring.dependencies import dependency_impact, dependency_map
from apps.services.catalog.schemas import UUID, obj
from apps.services.registry import Caller, MethodError, method, service
from apps.workflows import selectors as workflow_selectors
from apps.workflows.models import WebhookTrigger, Workflow
from apps.workflows.services import triggers

# schemas.UUID with a pattern: the hub's validator does not assert formats, and a malformed id
# must be a 400, not a failed query.
ID = {**UUID, "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"}
COUNT = {"type": "integer"}
ARRAY = {"type": "array"}
WHEN = {"type": "string", "format": "date-time", "maxLength": 64}


def _when(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 moment; one without an offset is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        raise MethodError(400, f"{name} must be an ISO 8601 date and time.", {name: ["Not a date and time."]})
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


@service(
    name="AuditTrail",
    layer="L09",
    description="Who did what and when: search recorded changes by actor, request id, type and time (admin:platform).",
)
class AuditTrail:
    @method(
        description=(
            "Events newest first, filtered by actor (user:<name> or key:<prefix>, from each event's metadata), "
            "request_id, event_type, aggregate_type, aggregate_id, since and until. ServiceInvoked events "
            "(one per hub call) only with include_service_calls or event_type."
        ),
        params=obj(
            {"actor": {"type": "string", "minLength": 1, "maxLength": 150},
             "request_id": {"type": "string", "minLength": 1, "maxLength": 100},
             "event_type": {"type": "string", "minLength": 1, "maxLength": 64},
             "aggregate_type": {"type": "string", "minLength": 1, "maxLength": 64},
             "aggregate_id": ID, "since": WHEN, "until": WHEN,
             "include_service_calls": {"type": "boolean", "default": False},
             "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
        ),
        result=obj({"count": COUNT, "more": {"type": "boolean"}, "events": ARRAY}, "count", "more", "events"),
        requires=ADMIN,
    )  # fmt: skip
    def search(
        self, caller: Caller, since: str | None = None, until: str | None = None, limit: int = 50, **filters: Any
    ) -> dict[str, Any]:
        start, end = _when("since", since), _when("until", until)
        if start and end and start >= end:
            raise MethodError(400, "since must be before until.", {"since": ["After until."]})
        found = list(event_search(since=start, until=end, **filters)[: limit + 1])
        events = EventSerializer(found[:limit], many=True).data
        return {"count": len(events), "more": len(found) > limit, "events": events}


@service(
    name="ReportBuilder",
    layer="L10",
    description="An activity report of the last hours: agents, workflow runs, model calls, service calls, errors.",
)
class ReportBuilder:
    @method(
        description=(
            "Counts over the last `hours` (1-720): agents created and by status, workflow runs by status with "
            "their success rate, model calls, tokens and failures, service calls by status and the busiest "
            "services, tool runs, events by type and the most frequent errors; with the same report in "
            "Markdown. Without admin:platform: no account events, and only your own service calls."
        ),
        params=obj({"hours": {"type": "integer", "minimum": 1, "maximum": 720, "default": 24}}),
        result=obj({"report": {"type": "object"}, "markdown": {"type": "string"}}, "report", "markdown"),
    )
    def activity(self, caller: Caller, hours: int = 24) -> dict[str, Any]:
        audience = Audience(admin=ADMIN in caller.scopes, user_id=caller.user.pk)
        report = activity_report(hours=hours, audience=audience)
        return {"report": report, "markdown": activity_markdown(report)}


WORKFLOW_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
TRIGGER = obj(
    {"id": UUID, "workflow": {"type": "string"}, "name": {"type": "string"}, "token_prefix": {"type": "string"},
     "signed": {"type": "boolean"}, "enabled": {"type": "boolean"}, "created_by": {"type": ["string", "null"]},
     "last_used_at": {"type": ["string", "null"]}, "created_at": {"type": "string"}},
    "id", "workflow", "name", "token_prefix", "signed", "enabled",
)  # fmt: skip
NEW_TRIGGER = {
    **TRIGGER,
    "properties": {**TRIGGER["properties"], "url_path": {"type": "string"},
                   "signing_secret": {"type": ["string", "null"]}},
    "required": [*TRIGGER["required"], "url_path", "signing_secret"],
}  # fmt: skip
TRIGGER_ID = obj({"trigger_id": ID}, "trigger_id")


def _trigger(trigger: WebhookTrigger) -> dict[str, Any]:
    return {
        "id": str(trigger.id), "workflow": trigger.workflow.name, "name": trigger.name,
        "token_prefix": trigger.token_prefix, "signed": bool(trigger.signing_secret), "enabled": trigger.enabled,
        "created_by": trigger.created_by.get_username() if trigger.created_by else None,
        "last_used_at": trigger.last_used_at.isoformat() if trigger.last_used_at else None,
        "created_at": trigger.created_at.isoformat(),
    }  # fmt: skip


def _new_trigger(made: triggers.NewWebhook) -> dict[str, Any]:
    """The only answer that holds the token (in the URL) and the signing secret."""
    return {**_trigger(made.trigger), "url_path": f"/api/v1/hooks/{made.token}/",
            "signing_secret": made.trigger.signing_secret or None}  # fmt: skip


def _workflow(name: str) -> Workflow:
    found = workflow_selectors.workflow_list().filter(name=name).first()
    if found is None:
        raise MethodError(404, f"No workflow named {name}.")
    return found


def _get_trigger(trigger_id: str) -> WebhookTrigger:
    found = workflow_selectors.webhook_list().filter(pk=trigger_id).first()
    if found is None:
        raise MethodError(404, f"No webhook trigger with id {trigger_id}.")
    return found


@service(
    name="InboundWebhooks",
    layer="L11",
    description="Secret URLs that start a workflow run when an outside system POSTs to them; HMAC-signed if asked.",
)
class InboundWebhooks:
    @method(
        description="A workflow's (by name) inbound webhook triggers, without their tokens or secrets.",
        params=obj({"workflow": WORKFLOW_NAME}, "workflow"),
        result=obj({"count": COUNT, "triggers": {"type": "array", "items": TRIGGER}}, "count", "triggers"),
    )
    def list(self, caller: Caller, workflow: str) -> dict[str, Any]:
        rows = [_trigger(t) for t in workflow_selectors.webhook_list(workflow=_workflow(workflow))[:200]]
        return {"count": len(rows), "triggers": rows}

    @method(
        description=(
            "Make a trigger that runs the workflow (by name) as you, with your scopes; POST a JSON object to "
            "url_path to start a run with it as inputs. A signed trigger needs X-StoryPortal-Timestamp and "
            "X-StoryPortal-Signature (HMAC-SHA256 with signing_secret). The URL and secret are shown only now."
        ),
        params=obj({"workflow": WORKFLOW_NAME, "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "signed": {"type": "boolean", "default": True}}, "workflow", "name"),
        result=NEW_TRIGGER,
        writes=True,
        secret_result=True,
    )  # fmt: skip
    def create(self, caller: Caller, workflow: str, name: str, signed: bool = True) -> dict[str, Any]:
        made = triggers.webhook_create(workflow=_workflow(workflow), name=name, user=caller.user,
                                       scopes=caller.scopes, signed=signed)  # fmt: skip
        return _new_trigger(made)

    @method(
        description=(
            "Replace a trigger's URL and signing secret: the trigger is deleted and made again with the same "
            "name and signing, as you; the old URL stops working at once. 409 for a disabled trigger."
        ),
        params=TRIGGER_ID,
        result=NEW_TRIGGER,
        writes=True,
        secret_result=True,
    )
    def rotate(self, caller: Caller, trigger_id: str) -> dict[str, Any]:
        old = _get_trigger(trigger_id)
        if not old.enabled:
            raise MethodError(409, f"Webhook trigger {old.name} is disabled; enable it in the admin or delete it.")
        with transaction.atomic():
            made = triggers.webhook_create(workflow=old.workflow, name=old.name, user=caller.user,
                                           scopes=caller.scopes, signed=bool(old.signing_secret))  # fmt: skip
            triggers.webhook_delete(trigger=old)
        return _new_trigger(made)

    @method(
        description="Delete a trigger: its URL answers 404 from now on.",
        params=TRIGGER_ID,
        result=obj({"deleted": {"type": "boolean"}, "id": ID}, "deleted", "id"),
        writes=True,
    )
    def delete(self, caller: Caller, trigger_id: str) -> dict[str, Any]:
        triggers.webhook_delete(trigger=_get_trigger(trigger_id))
        return {"deleted": True, "id": trigger_id}


@service(
    name="DependencyMap",
    layer="L12",
    description="Which services and layers go down with postgres, redis, ollama or the workers, and their state now.",
)
class DependencyMap:
    @method(
        description=(
            "Every dependency (and `none`) with its live check (status, latency; probes wait at most 2 s), "
            "the catalog services whose health follows it, and the layers that depend on it."
        ),
        result=obj({"dependencies": ARRAY}, "dependencies"),
        timeout=10,
    )
    def graph(self, caller: Caller) -> dict[str, Any]:
        return {"dependencies": dependency_map()}

    @method(
        description="What is degraded while one dependency is down: its services and layers, and its state now.",
        params=obj({"dependency": {"type": "string", "minLength": 1, "maxLength": 64}}, "dependency"),
        result=obj({"dependency": {"type": "string"}, "status": {"type": "string"}, "services": ARRAY,
                    "layers": ARRAY}, "dependency", "status", "services", "layers"),
        timeout=10,
    )  # fmt: skip
    def impact(self, caller: Caller, dependency: str) -> dict[str, Any]:
        found = dependency_impact(dependency)
        if found is None:
            raise MethodError(404, f"No service or health check depends on {dependency}.")
        return found


@service(
    name="ConfigInspector",
    layer="L12",
    description="The effective configuration with secrets masked, and the limits in force (admin:platform).",
    dependencies=(),
)
class ConfigInspector:
    @method(
        description=(
            "Each setting's value and its source (environment, .env, config.yaml or default), as manage.py "
            "config shows it: secrets only as set or unset, passwords in URLs masked; one section or all."
        ),
        params=obj({"section": {"enum": list(platform_config.SECTIONS)}}),
        result=obj({"sections": {"type": "object"}}, "sections"),
        requires=ADMIN,
    )
    def settings(self, caller: Caller, section: str | None = None) -> dict[str, Any]:
        return {"sections": platform_config.effective_sections(section)}

    @method(
        description=(
            "Throttle rates, the request body limit, retention days, model routing and timeouts, the circuit "
            "breaker, the HTTP tool's hosts and limits, webhook retries and task time limits."
        ),
        result=obj({"limits": {"type": "object"}}, "limits"),
        requires=ADMIN,
    )
    def limits(self, caller: Caller) -> dict[str, Any]:
        return {"limits": platform_config.limits()}


TEMPLATE_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
VERSION = {"type": "integer", "minimum": 1}
NEUTRAL = (SCORE_MIN + SCORE_MAX) / 2  # the prior of a template nobody has scored


def _template(name: str) -> PromptTemplate:
    found = PromptTemplate.objects.filter(name=name).first()
    if found is None:
        raise MethodError(404, f"No prompt template named {name}.")
    return found


@service(
    name="PromptExperiments",
    layer="L07",
    description="A/B test prompt template versions on their feedback scores: significance and a leaderboard.",
)
class PromptExperiments:
    @method(
        description=(
            "Two versions' scores (feedback on the version and on its model calls): count, mean, stddev and "
            "95% confidence interval each; the difference (b - a) with Welch's t, tested at 95% with the "
            "normal approximation (|t| > 1.96), which is optimistic below ~30 scores per version."
        ),
        params=obj({"template": TEMPLATE_NAME, "version_a": VERSION, "version_b": VERSION},
                   "template", "version_a", "version_b"),
        result=obj({"template": {"type": "string"}, "a": {"type": "object"}, "b": {"type": "object"},
                    "difference": {"type": "object"}}, "template", "a", "b", "difference"),
    )  # fmt: skip
    def compare(self, caller: Caller, template: str, version_a: int, version_b: int) -> dict[str, Any]:
        if version_a == version_b:
            raise MethodError(400, "Name two different versions.", {"version_b": ["Same as version_a."]})
        found = _template(template)
        version_get(template=found, version=version_a)  # 404 for a version it does not have
        version_get(template=found, version=version_b)
        scores = learning_selectors.version_scores(template=found)
        a, b = experiments.summarise(scores.get(version_a, [])), experiments.summarise(scores.get(version_b, []))
        return {"template": found.name, "a": {"version": version_a, **a.document()},
                "b": {"version": version_b, **b.document()}, "difference": experiments.welch(a, b)}  # fmt: skip

    @method(
        description=(
            "A template's versions ranked by a Bayesian average: each version's scores plus prior_weight "
            "(default 5) imaginary ones at the template's mean, so a few lucky scores do not top the board."
        ),
        params=obj({"template": TEMPLATE_NAME, "prior_weight": {"type": "number", "minimum": 0, "maximum": 1000,
                                                                 "default": 5}}, "template"),
        result=obj({"template": {"type": "string"}, "prior_mean": {"type": "number"},
                    "prior_weight": {"type": "number"}, "versions": ARRAY}, "template", "versions"),
    )  # fmt: skip
    def leaderboard(self, caller: Caller, template: str, prior_weight: float = 5) -> dict[str, Any]:
        found = _template(template)
        numbers = list(
            PromptVersion.objects.filter(template=found).order_by("-version").values_list("version", flat=True)
        )
        scores = learning_selectors.version_scores(template=found)
        prior = experiments.prior_mean(scores, fallback=NEUTRAL)
        ranked = experiments.damped_ranking(scores, numbers, weight=prior_weight, prior=prior)
        return {"template": found.name, "prior_mean": round(prior, 4), "prior_weight": prior_weight,
                "versions": ranked}  # fmt: skip
