"""Prompt templates, their immutable versions, and which model calls each version made."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from apps.llm.routing import USE_CASES

__all__ = ["GENERATING_USE_CASES", "PromptTemplate", "PromptUse", "PromptVersion"]

GENERATING_USE_CASES = tuple(case for case in USE_CASES if case != "embeddings")


class PromptTemplate(models.Model):
    """A named prompt. Its text lives in its versions; ``current_version`` is the newest, and
    every change of the text writes a new one (like workflows)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    use_case = models.CharField(
        max_length=32, choices=[(case, case) for case in GENERATING_USE_CASES], default="chat",
        help_text="Which routed model runs it unless a model is named.",
    )  # fmt: skip
    current_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "prompt_templates"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} v{self.current_version}"


class PromptVersion(models.Model):
    """One saved text of a template, never changed afterwards. ``variables`` are the names the
    text uses that it does not define itself, found when it was saved."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    text = models.TextField()
    variables = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompt_versions"
        ordering = ["template", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="prompt_version_uniq")]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


class PromptUse(models.Model):
    """A model call made from a prompt version, so feedback on that call (an ``llm_request``)
    counts towards the version's scores. The call is referenced by id: the call log has its
    own retention."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="uses")
    llm_request_id = models.UUIDField(unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompt_uses"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} -> {self.llm_request_id}"
