"""Schedules (django-celery-beat periodic tasks, many per workflow) and inbound webhook
triggers. A trigger acts as the person who made it, with that person's scopes at run time."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from apps.accounts.scopes import WRITE
from apps.events.services import event_append
from apps.workflows.errors import ScheduleInvalid
from apps.workflows.models import WebhookTrigger, Workflow, WorkflowRun, WorkflowSchedule
from apps.workflows.services.runs import check_inputs, run_execute

logger = logging.getLogger(__name__)

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
TOKEN_PREFIX = "whk_"  # noqa: S105 (a prefix, not a secret)


def parse_cron(cron: str, tz: str) -> dict[str, str]:
    """The five fields of a cron expression, checked by Celery's own parser (400 if bad)."""
    parts = cron.split()
    if len(parts) != 5:
        raise ScheduleInvalid("cron needs five fields: minute hour day-of-month month day-of-week",
                              details={"cron": ["needs five fields"]})  # fmt: skip
    fields = dict(zip(CRON_FIELDS, parts, strict=True))
    try:
        crontab(**fields)
    except (ValueError, KeyError) as exc:
        raise ScheduleInvalid(f"cron {cron!r} is not valid: {exc}", details={"cron": [str(exc)]}) from exc
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleInvalid(f"unknown time zone {tz!r}", details={"timezone": ["unknown time zone"]}) from exc
    return fields


def _record(workflow: Workflow, event_type: str, **payload: Any) -> None:
    event_append(aggregate_type="Workflow", aggregate_id=workflow.id, event_type=event_type,
                 payload={"workflow_id": str(workflow.id), **payload})  # fmt: skip


def _sync_periodic_task(schedule: WorkflowSchedule) -> None:
    fields = parse_cron(schedule.cron, schedule.timezone)
    crontab_row, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=schedule.timezone)
    task = schedule.periodic_task or PeriodicTask(name=f"workflow-schedule:{schedule.id}")
    task.task = "workflows.run_scheduled"
    task.crontab = crontab_row
    task.kwargs = json.dumps({"schedule_id": str(schedule.id)})
    task.enabled = schedule.enabled and schedule.workflow.archived_at is None
    task.save()
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        schedule.save(update_fields=["periodic_task"])


def trigger_scopes(stored: list[str], owner: Any) -> frozenset[str]:
    """What a schedule or webhook may do now: the scopes it was made with, never more than its
    owner's current role allows (a demoted or deactivated owner's triggers lose their power)."""
    if owner is None or not owner.is_active:
        return frozenset()
    return frozenset(stored) & frozenset(owner.scopes)


@transaction.atomic
def schedule_create(
    *, workflow: Workflow, cron: str, user: Any, scopes: frozenset[str], inputs: dict[str, Any] | None = None,
    timezone_name: str = "UTC", enabled: bool = True,
) -> WorkflowSchedule:  # fmt: skip
    parse_cron(cron, timezone_name)
    check_inputs(workflow.inputs_schema, inputs or {})
    schedule = WorkflowSchedule.objects.create(
        workflow=workflow, cron=" ".join(cron.split()), timezone=timezone_name, inputs=inputs or {},
        enabled=enabled, created_by=user if getattr(user, "pk", None) else None, scopes=sorted(scopes),
    )  # fmt: skip
    _sync_periodic_task(schedule)
    _record(workflow, "ScheduleCreated", schedule_id=str(schedule.id), cron=schedule.cron, enabled=enabled)
    return schedule


@transaction.atomic
def schedule_update(*, schedule: WorkflowSchedule, **changes: Any) -> WorkflowSchedule:
    locked = (
        WorkflowSchedule.objects.select_for_update(of=("self",))
        .select_related("workflow", "periodic_task")
        .get(pk=schedule.pk)
    )
    for field in ("cron", "timezone", "inputs", "enabled"):
        if field in changes:
            setattr(locked, field, " ".join(changes[field].split()) if field == "cron" else changes[field])
    parse_cron(locked.cron, locked.timezone)
    check_inputs(locked.workflow.inputs_schema, locked.inputs)
    locked.save()
    _sync_periodic_task(locked)
    _record(locked.workflow, "ScheduleUpdated", schedule_id=str(locked.id), cron=locked.cron, enabled=locked.enabled)
    return locked


@transaction.atomic
def schedule_delete(*, schedule: WorkflowSchedule) -> None:
    if schedule.periodic_task_id:
        PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()
    _record(schedule.workflow, "ScheduleDeleted", schedule_id=str(schedule.id))
    schedule.delete()


def schedule_fire(schedule_id: str) -> WorkflowRun | None:
    """What beat runs at each match: a run as the schedule's owner (None when it cannot run:
    disabled, deleted workflow, owner gone)."""
    schedule = WorkflowSchedule.objects.select_related("workflow", "created_by").filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled or schedule.workflow.archived_at is not None:
        return None
    owner = schedule.created_by
    scopes = trigger_scopes(schedule.scopes, owner)
    if WRITE not in scopes:
        logger.warning("schedule %s skipped: its owner can no longer run workflows", schedule.pk)
        return None
    run = run_execute(workflow=schedule.workflow, inputs=schedule.inputs, user=owner, scopes=scopes,
                      trigger="schedule")  # fmt: skip
    WorkflowSchedule.objects.filter(pk=schedule.pk).update(last_run_at=timezone.now())
    return run


@dataclass(frozen=True)
class NewWebhook:
    trigger: WebhookTrigger
    token: str  # shown once: the URL is /api/v1/hooks/<token>/


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def webhook_create(
    *, workflow: Workflow, name: str, user: Any, scopes: frozenset[str], signed: bool = True
) -> NewWebhook:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    trigger = WebhookTrigger.objects.create(
        workflow=workflow, name=name, token_hash=token_hash(token), token_prefix=token[:12],
        signing_secret=("whsec_" + secrets.token_urlsafe(32)) if signed else "",
        created_by=user if getattr(user, "pk", None) else None, scopes=sorted(scopes),
    )  # fmt: skip
    _record(workflow, "WebhookTriggerCreated", trigger_id=str(trigger.id), name=name, signed=signed)
    return NewWebhook(trigger, token)


@transaction.atomic
def webhook_delete(*, trigger: WebhookTrigger) -> None:
    _record(trigger.workflow, "WebhookTriggerDeleted", trigger_id=str(trigger.id))
    trigger.delete()
