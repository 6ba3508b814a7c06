"""Workflow drafts in the Django admin: read-only, decided through the services (so the admin
records the same events as the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.planning import services
from apps.planning.models import WorkflowDraft
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label


@admin.register(WorkflowDraft)
class WorkflowDraftAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "valid", "model", "created_by", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("name", "goal")
    list_select_related = ("created_by",)
    actions = ["accept_selected", "reject_selected"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True)
    def valid(self, obj: WorkflowDraft) -> bool:
        return obj.valid

    def _decide(self, request: HttpRequest, queryset: QuerySet[WorkflowDraft], accept: bool) -> None:
        actor.set_current(caller_label(request))
        done, refused = [], []
        for draft in queryset.order_by("created_at"):
            try:
                if accept:
                    services.draft_accept(draft=draft, user=request.user)
                else:
                    services.draft_reject(draft=draft, user=request.user)
            except DomainError as error:
                refused.append(f"{draft.name}: {error.message}")
            else:
                done.append(draft.name)
        verb = "Accepted" if accept else "Rejected"
        if done:
            self.message_user(request, f"{verb} {len(done)} draft(s): {', '.join(done)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not changed: {'; '.join(refused)}", messages.WARNING)

    @admin.action(description="Accept selected drafts (create their workflows)")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[WorkflowDraft]) -> None:
        self._decide(request, queryset, accept=True)

    @admin.action(description="Reject selected drafts")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[WorkflowDraft]) -> None:
        self._decide(request, queryset, accept=False)
