"""The agent registry in the Django admin. Every write goes through the services, so the
admin records the same events as the API and the control center."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.agents import services
from apps.agents.forms import AgentAdminForm
from apps.agents.models import Agent
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import Conflict
from storyportal.api.principal import caller_label

DONE = {"activate": "Activated", "pause": "Paused", "retire": "Retired"}


def _acting(request: HttpRequest) -> None:
    actor.set_current(caller_label(request))


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    """Agents with filters and search. Status moves only through the lifecycle actions."""

    form = AgentAdminForm
    list_display = ("name", "layer", "status", "created_at", "updated_at")
    list_filter = ("status", "layer")
    search_fields = ("name", "description")
    readonly_fields = ("id", "status", "status_reason", "created_at", "updated_at")
    fields = (
        "id", "name", "description", "layer", "capabilities", "config",
        "status", "status_reason", "created_at", "updated_at",
    )  # fmt: skip
    ordering = ("name",)
    actions = ["activate_selected", "pause_selected", "retire_selected"]

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        _acting(request)
        definition = {field: getattr(obj, field) for field in services.UPDATABLE_FIELDS}
        if change:
            saved = services.agent_update(agent=obj, **definition)
        else:
            saved = services.agent_create(**definition)
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Agent) -> None:
        _acting(request)
        services.agent_delete(agent=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        _acting(request)
        for agent in queryset:
            services.agent_delete(agent=agent)

    def _move_selected(self, request: HttpRequest, queryset: QuerySet[Agent], action: str) -> None:
        _acting(request)
        moved, refused = [], []
        for agent in queryset.order_by("name"):
            try:
                services.agent_transition(agent=agent, action=action)
            except Conflict as error:
                refused.append(f"{agent.name}: {error.message}")
            else:
                moved.append(agent.name)
        if moved:
            self.message_user(request, f"{DONE[action]} {len(moved)} agent(s): {', '.join(moved)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not changed: {'; '.join(refused)}", messages.WARNING)

    @admin.action(description="Activate selected agents")
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._move_selected(request, queryset, "activate")

    @admin.action(description="Pause selected agents")
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._move_selected(request, queryset, "pause")

    @admin.action(description="Retire selected agents")
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._move_selected(request, queryset, "retire")
