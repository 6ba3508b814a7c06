"""API sessions (spec 3.3, 4.3): live in Redis, recorded in the ``sessions`` table."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

__all__ = ["ApiSession"]


class ApiSession(models.Model):
    """Conversation or client state a caller keeps between requests.

    Redis ``session:{id}`` is the fast copy with a 1 h TTL renewed on use; this row is the
    durable copy, so a Redis restart loses nothing that has not expired.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_sessions")
    data = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sessions"
        ordering = ["-created_at"]
        verbose_name = "API session"
        # user_id is indexed by its foreign key.
        indexes = [models.Index(fields=["created_at"], name="sessions_created_at_idx")]

    def __str__(self) -> str:
        return str(self.id)
