"""The service catalog (spec 3.1 ``services``; 4.3)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from pgvector.django import HnswIndex, VectorField

__all__ = ["InvocationStatus", "JobStatus", "Service", "ServiceInvocation", "ServiceJob", "service_aggregate_id"]

# nomic-embed-text's size; the embeddings model must produce vectors of this length.
EMBEDDING_DIMENSIONS = 768

_NAMESPACE = uuid.UUID("0b8f6a4e-3c1d-4f7a-9d2e-5a6b7c8d9e10")


def service_aggregate_id(name: str) -> uuid.UUID:
    """A service's stable id (and event stream), derived from its name."""
    return uuid.uuid5(_NAMESPACE, name)


class Service(models.Model):
    """A catalog entry, written by ``sync_services`` from the registry in code. ``available``
    is False for a service the code no longer has: it is kept for history, never listed."""

    id = models.UUIDField(primary_key=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    layer = models.CharField(max_length=3, db_index=True)
    description = models.TextField()
    dependencies = models.JSONField(default=list)
    methods = models.JSONField(default=list, help_text="Each method's name, description and JSON Schemas.")
    fingerprint = models.CharField(max_length=64)
    available = models.BooleanField(default=True, db_index=True)
    # Semantic search: the description's embedding and what it was computed from (the text's
    # digest and the model), so a changed description or model is embedded again.
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True, editable=False)
    embedding_source = models.CharField(max_length=160, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "services"
        ordering = ["layer", "name"]
        indexes = [
            HnswIndex(
                name="services_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.layer})"

    @property
    def method_names(self) -> list[str]:
        return [method["name"] for method in self.methods]


class InvocationStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"


class ServiceInvocation(models.Model):
    """One call of a service method (issue 4: every call is recorded). The params are kept
    as a digest only: they may hold data the caller would not want in a log."""

    id = models.UUIDField(primary_key=True, editable=False)
    service_name = models.CharField(max_length=100)
    method = models.CharField(max_length=100)
    caller = models.CharField(max_length=150, help_text="user:<name> or key:<prefix>")
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    params_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=InvocationStatus.choices)
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "service_invocations"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service_name", "method"], name="invocations_method_idx")]

    def __str__(self) -> str:
        return f"{self.service_name}.{self.method} {self.status}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"


class ServiceJob(models.Model):
    """A service method call run in the background on a Celery worker (JobRunner). It acts
    with the scopes its submitter had then, never more than the user's role grants when it
    runs. A job left ``running`` is the evidence of a worker that died in the middle."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    service_name = models.CharField(max_length=100)
    method = models.CharField(max_length=100)
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    scopes = models.JSONField(default=list, help_text="The submitting credential's scopes.")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True, default="")
    error_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The HTTP status of the error.")
    invocation_id = models.UUIDField(null=True, blank=True, help_text="The service_invocations row of the call.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "service_jobs"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="service_jobs_user_idx")]

    def __str__(self) -> str:
        return f"{self.service_name}.{self.method} {self.status}"
