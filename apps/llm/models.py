"""The log of model calls (contract: llm-requests/; issue 6 point 5)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class LlmStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class LlmRequest(models.Model):
    """One call through the model gateway. The prompt is kept as a digest only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, help_text="generate, chat or embed")
    model = models.CharField(max_length=200, db_index=True)
    use_case = models.CharField(max_length=32, blank=True, default="")
    caller = models.CharField(max_length=150, help_text="user:<name>, key:<prefix>, workflow-run:<id>...")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    prompt_hash = models.CharField(max_length=64)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(default=0.0)
    ttft_ms = models.FloatField(null=True, blank=True, help_text="Time to first token (streamed calls).")
    status = models.CharField(max_length=16, choices=LlmStatus.choices, db_index=True)
    error = models.TextField(blank=True, default="")
    coalesced = models.BooleanField(default=False, help_text="Answered by another identical call in flight.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "llm_requests"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.model} {self.status}"
