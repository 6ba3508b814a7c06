"""Workflows, versions and runs in the Django admin. Definitions are saved through the
services (validated, versioned, with events); versions and runs are history, read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.workflows.definition import validate
from apps.workflows.errors import RunFinished
from apps.workflows.models import StepRun, WebhookTrigger, Workflow, WorkflowRun, WorkflowSchedule, WorkflowVersion
from apps.workflows.services import definitions, runs, triggers
from apps.workflows.services.runs import check_inputs
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnly, admin.TabularInline):
    model = WorkflowVersion
    fields = ("version", "note", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    ordering = ("-version",)


class WorkflowAdminForm(forms.ModelForm):
    """Checks the definition like the API does, so a bad step is a form error, not a 500."""

    class Meta:
        model = Workflow
        fields = ("name", "description", "steps", "inputs_schema", "outputs")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                validate(steps=data.get("steps"), inputs_schema=data.get("inputs_schema") or {},
                         outputs=data.get("outputs") or {})  # fmt: skip
            except DomainError as exc:
                problems = exc.details or {}
                raise forms.ValidationError(
                    [f"{place}: {'; '.join(msgs)}" for place, msgs in problems.items()]
                ) from exc
        return data


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowAdminForm
    list_display = ("name", "version", "archived_at", "updated_at")
    list_filter = ("archived_at",)
    search_fields = ("name", "description")
    readonly_fields = ("id", "version", "archived_at", "created_by", "created_at", "updated_at")
    fields = ("id", "name", "description", "steps", "inputs_schema", "outputs", "version", "archived_at",
              "created_by", "created_at", "updated_at")  # fmt: skip
    inlines = [VersionInline]

    def save_model(self, request: HttpRequest, obj: Workflow, form: Any, change: bool) -> None:
        actor.set_current(caller_label(request))
        definition = {field: getattr(obj, field) for field in definitions.DEFINITION_FIELDS}
        if change:
            current = Workflow.objects.get(pk=obj.pk)
            saved = definitions.workflow_update(workflow=current, user=request.user, **definition)
        else:
            saved = definitions.workflow_create(user=request.user, **definition)
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Workflow) -> None:
        definitions.workflow_archive(workflow=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        for workflow in queryset:
            definitions.workflow_archive(workflow=workflow)


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "version", "note", "created_by", "created_at")
    search_fields = ("name", "note")
    list_select_related = ("created_by",)


class StepInline(ReadOnly, admin.TabularInline):
    model = StepRun
    fields = (
        "step_id",
        "kind",
        "status",
        "attempts",
        "recoveries",
        "error",
        "started_at",
        "finished_at",
        "duration_ms",
    )
    readonly_fields = fields
    extra = 0


@admin.register(WorkflowRun)
class WorkflowRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "workflow", "status", "progress", "trigger", "triggered_by", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    search_fields = ("workflow__name", "error")
    date_hierarchy = "created_at"
    list_select_related = ("workflow", "triggered_by")
    inlines = [StepInline]
    actions = ["cancel_selected"]

    @admin.action(description="Cancel the selected runs")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[WorkflowRun]) -> None:
        cancelled = 0
        for run in queryset:
            try:
                runs.run_cancel(run=run)
                cancelled += 1
            except RunFinished:
                continue
        self.message_user(request, f"Cancelled {cancelled} run(s); the others had already ended.")


class ScheduleAdminForm(forms.ModelForm):
    class Meta:
        model = WorkflowSchedule
        fields = ("workflow", "cron", "timezone", "inputs", "enabled")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        workflow = data.get("workflow") or getattr(self.instance, "workflow", None)
        if not self.errors and workflow is not None:
            try:
                triggers.parse_cron(data.get("cron", ""), data.get("timezone", "UTC"))
                check_inputs(workflow.inputs_schema, data.get("inputs") or {})
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(WorkflowSchedule)
class WorkflowScheduleAdmin(admin.ModelAdmin):
    """Schedules, saved through the services so their beat periodic task follows."""

    form = ScheduleAdminForm

    list_display = ("workflow", "cron", "timezone", "enabled", "created_by", "last_run_at")
    list_filter = ("enabled",)
    search_fields = ("workflow__name", "cron")
    fields = ("workflow", "cron", "timezone", "inputs", "enabled", "created_by", "last_run_at", "periodic_task")
    readonly_fields = ("created_by", "last_run_at", "periodic_task")
    list_select_related = ("workflow", "created_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "workflow") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: WorkflowSchedule, form: Any, change: bool) -> None:
        if change:
            changes = {f: getattr(obj, f) for f in ("cron", "timezone", "inputs", "enabled")}
            saved = triggers.schedule_update(schedule=WorkflowSchedule.objects.get(pk=obj.pk), **changes)
        else:
            saved = triggers.schedule_create(workflow=obj.workflow, cron=obj.cron, user=request.user,
                                             scopes=getattr(request.user, "scopes", frozenset()), inputs=obj.inputs,
                                             timezone_name=obj.timezone, enabled=obj.enabled)  # fmt: skip
        obj.pk, obj.periodic_task = saved.pk, saved.periodic_task
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: WorkflowSchedule) -> None:
        triggers.schedule_delete(schedule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkflowSchedule]) -> None:
        for schedule in queryset:
            triggers.schedule_delete(schedule=schedule)


@admin.register(WebhookTrigger)
class WebhookTriggerAdmin(admin.ModelAdmin):
    """Inbound webhook triggers: created through the API (which shows the secret URL once);
    here they can be listed, disabled or deleted."""

    list_display = ("name", "workflow", "token_prefix", "enabled", "created_by", "last_used_at")
    list_filter = ("enabled",)
    search_fields = ("name", "workflow__name", "token_prefix")
    fields = ("name", "workflow", "token_prefix", "enabled", "created_by", "last_used_at", "created_at")
    readonly_fields = ("name", "workflow", "token_prefix", "created_by", "last_used_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
