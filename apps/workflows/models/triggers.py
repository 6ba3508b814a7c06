"""What starts runs besides a person: cron schedules (many per workflow) and inbound
webhooks (a secret URL per trigger)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.workflows.models.definitions import Workflow


class WorkflowSchedule(models.Model):
    """A cron schedule; beat starts a run with ``inputs`` each time it matches, acting as
    ``created_by`` with that user's scopes at the time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="schedules")
    cron = models.CharField(max_length=120, help_text="minute hour day-of-month month day-of-week")
    timezone = models.CharField(max_length=64, default="UTC")
    inputs = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    enabled = models.BooleanField(default=True)
    # The scopes of the credential that made it: runs get these, cut to the owner's current role.
    scopes = models.JSONField(default=list)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "workflow_schedules"
        ordering = ["workflow", "created_at"]

    def __str__(self) -> str:
        return f"{self.workflow_id} @ {self.cron}"


class WebhookTrigger(models.Model):
    """``POST /api/v1/hooks/<token>/`` starts a run with the JSON body as inputs. Only the
    token's sha256 is kept; a signing secret, when set, makes a valid signature mandatory."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12)
    signing_secret = models.CharField(max_length=100, blank=True, default="")
    enabled = models.BooleanField(default=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "workflow_webhooks"
        ordering = ["workflow", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}...)"
