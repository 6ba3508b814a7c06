"""Goals in the Django admin. Every write goes through the services, so the admin records
the same events and progress history as the API and the control center."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from apps.goals import services
from apps.goals.models import Goal, GoalStatus, KeyResult
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label

SCALARS = ("title", "description", "target_date", "owner")


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 1
    fields = ("title", "start_value", "target_value", "current_value", "unit")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    """Goals with their key results inline. Status and progress are read-only: progress
    follows the key results, status moves through the actions."""

    list_display = ("title", "owner", "status", "progress", "target_date", "created_at")
    list_filter = ("status", "target_date")
    search_fields = ("title", "description", "owner__username")
    readonly_fields = ("id", "status", "progress", "achieved_at", "draft_id", "created_at", "updated_at")
    fields = (
        "id", "title", "description", "owner", "target_date", "workflows", "agents",
        "status", "progress", "achieved_at", "draft_id", "created_at", "updated_at",
    )  # fmt: skip
    filter_horizontal = ("workflows", "agents")
    inlines = [KeyResultInline]
    actions = ["achieve_selected", "abandon_selected", "reopen_selected"]

    def save_model(self, request: HttpRequest, obj: Goal, form: Any, change: bool) -> None:
        actor.set_current(caller_label(request))
        fields = {name: form.cleaned_data[name] for name in SCALARS if name in form.cleaned_data}
        saved = services.goal_update(goal=obj, **fields) if change else services.goal_create(**fields)
        adopt_saved(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        services.goal_update(
            goal=form.instance, workflows=list(data.get("workflows") or []), agents=list(data.get("agents") or [])
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        goal = form.instance
        # What formset.save() would have set: the admin's change message reads these.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            adding = inline.instance._state.adding
            if inline.cleaned_data.get("DELETE"):
                if not adding:  # a new row ticked for deletion is simply not created
                    services.key_result_delete(result=inline.instance)
                    formset.deleted_objects.append(inline.instance)
                continue
            if adding and not inline.has_changed():
                continue
            values = {name: inline.cleaned_data[name] for name in services.KEY_RESULT_FIELDS}
            if adding:
                formset.new_objects.append(services.key_result_add(goal=goal, **values))
            elif inline.has_changed():
                updated = services.key_result_update(result=inline.instance, **values)
                formset.changed_objects.append((updated, inline.changed_data))

    def delete_model(self, request: HttpRequest, obj: Goal) -> None:
        actor.set_current(caller_label(request))
        services.goal_delete(goal=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        actor.set_current(caller_label(request))
        for goal in queryset:
            services.goal_delete(goal=goal)

    def _move_selected(self, request: HttpRequest, queryset: QuerySet[Goal], status: str, **rule: Any) -> None:
        actor.set_current(caller_label(request))
        moved, refused = [], []
        for goal in queryset.order_by("title"):
            try:
                services.goal_move(goal=goal, status=status, **rule)
            except DomainError as error:
                refused.append(f"{goal.title}: {error.message}")
            else:
                moved.append(goal.title)
        if moved:
            self.message_user(request, f"{len(moved)} goal(s) now {status}: {', '.join(moved)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not changed: {'; '.join(refused)}", messages.WARNING)

    @admin.action(description="Mark selected goals achieved")
    def achieve_selected(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        self._move_selected(request, queryset, GoalStatus.ACHIEVED)

    @admin.action(description="Abandon selected goals")
    def abandon_selected(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        self._move_selected(request, queryset, GoalStatus.ABANDONED)

    @admin.action(description="Reopen selected goals")
    def reopen_selected(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        only_from = (GoalStatus.ACHIEVED, GoalStatus.ABANDONED)
        self._move_selected(request, queryset, GoalStatus.IN_PROGRESS, only_from=only_from)
