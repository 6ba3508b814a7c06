"""Control-center pages of the workflow engine: the list, the definition form and its
JSON/YAML import and export, a workflow's page (steps, execute form, runs, versions), the
diff of two versions, the runs history and a run's page, which follows ``events:workflow``.
Reads go through the selectors, writes through the services; anyone logged in may look,
writes (save, restore, delete, execute, approve, cancel) need ``write:services``."""

from __future__ import annotations

import json
from typing import Any, cast
from uuid import UUID

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.workflows import page_selectors, references, selectors
from apps.workflows.diff import version_diff
from apps.workflows.errors import DefinitionInvalid, InputsInvalid
from apps.workflows.forms import (
    DecisionForm,
    DiffForm,
    ExecuteForm,
    ExportForm,
    ImportForm,
    RestoreForm,
    RunFilterForm,
    WorkflowFilterForm,
    WorkflowForm,
)
from apps.workflows.models import StepRun, StepStatus, Workflow, WorkflowRun
from apps.workflows.models.runs import RUN_FINISHED
from apps.workflows.services import approvals, definitions, runs
from apps.workflows.services.definitions import DEFINITION_FIELDS
from storyportal.api.exceptions import DomainError
from storyportal.console.access import acting, can_write

PAGE_SIZE = 50
RUNS_PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required let only a real user through


def _workflow(workflow_id: UUID) -> Workflow:
    return get_object_or_404(selectors.workflow_list(), pk=workflow_id)


def _run(run_id: UUID) -> WorkflowRun:
    return get_object_or_404(selectors.run_detail_list(), pk=run_id)


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


# --- definitions -------------------------------------------------------------------------------


@login_required
@require_GET
def workflow_list(request: HttpRequest) -> HttpResponse:
    """Workflows by name with their newest run's status, a search box and pages of 50."""
    filters = WorkflowFilterForm(request.GET)
    page = Paginator(filters.filter(page_selectors.workflow_rows()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflows/list.html", {"filters": filters, "page": page, "can_write": can_write(request)})


def _render_form(
    request: HttpRequest, form: WorkflowForm, workflow: Workflow | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "workflow": workflow, "can_write": can_write(request)}
    return render(request, "workflows/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def workflow_new(request: HttpRequest) -> HttpResponse:
    """Define a workflow (shown read-only to those who may not)."""
    if request.method == "POST":
        acting(request, "Changing and running workflows")
    form = WorkflowForm(request.POST if request.method == "POST" else None, read_only=not can_write(request))
    if request.method == "POST" and form.is_valid():
        try:
            workflow = definitions.workflow_create(user=request.user, **form.cleaned_data)
        except DefinitionInvalid as error:
            form.add_definition_errors(error.details, error.message)
        except IntegrityError:
            form.add_duplicate_name_error()
        else:
            messages.success(request, f"Workflow “{workflow.name}” created.")
            return redirect("workflow-detail", workflow_id=workflow.id)
    return _render_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def workflow_edit(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """Change the definition; a change saves a new version, no change saves nothing."""
    workflow = _workflow(workflow_id)
    if request.method == "POST":
        acting(request, "Changing and running workflows")
    data = request.POST if request.method == "POST" else None
    form = WorkflowForm(data, workflow=workflow, read_only=not can_write(request))
    if request.method == "POST" and form.is_valid():
        before = workflow.version
        try:
            workflow = definitions.workflow_update(workflow=workflow, user=request.user, **form.cleaned_data)
        except DefinitionInvalid as error:
            form.add_definition_errors(error.details, error.message)
        except IntegrityError:
            form.add_duplicate_name_error()
        else:
            saved = f"saved as version {workflow.version}" if workflow.version != before else "unchanged"
            messages.success(request, f"Workflow “{workflow.name}” {saved}.")
            return redirect("workflow-detail", workflow_id=workflow.id)
    return _render_form(request, form, workflow)


@login_required
@require_http_methods(["GET", "POST"])
def workflow_import(request: HttpRequest) -> HttpResponse:
    """Create a workflow from a JSON or YAML document, uploaded or pasted."""
    if request.method == "POST":
        acting(request, "Changing and running workflows")
    read_only = not can_write(request)
    form = ImportForm(request.POST or None, request.FILES or None, read_only=read_only)
    if request.method == "POST" and form.is_valid():
        definition = {field: form.cleaned_data[field] for field in DEFINITION_FIELDS}
        try:
            workflow = definitions.workflow_create(user=request.user, **definition)
        except DefinitionInvalid as error:
            form.add_definition_errors(error.details, error.message)
        except IntegrityError:
            form.add_error(None, "A workflow with that name exists.")
        else:
            messages.success(request, f"Workflow “{workflow.name}” imported.")
            return redirect("workflow-detail", workflow_id=workflow.id)
    return render(request, "workflows/import.html", {"form": form, "can_write": not read_only})


@login_required
@require_GET
def workflow_export(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """The newest definition as a JSON or YAML download that the import reads back."""
    workflow = _workflow(workflow_id)
    chosen = ExportForm(request.GET).chosen()
    if chosen is None:
        return HttpResponseBadRequest("format must be json or yaml.", content_type="text/plain; charset=utf-8")
    definition = {field: getattr(workflow, field) for field in DEFINITION_FIELDS}
    if chosen == "yaml":
        body = yaml.safe_dump(definition, sort_keys=False, allow_unicode=True)
        content_type = "application/yaml; charset=utf-8"
    else:
        body = json.dumps(definition, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"
        content_type = "application/json; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in workflow.name)
    response["Content-Disposition"] = f'attachment; filename="{filename}-v{workflow.version}.{chosen}"'
    return response


def _step_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step with what it acts on, for the definition's table."""
    rows = []
    for step in steps:
        kind = step.get("kind", "")
        target = {
            "service": f"{step.get('service', '')}.{step.get('method', '')}",
            "tool": step.get("tool", ""),
            "approval": step.get("message", ""),
            "condition": step.get("expression", ""),
            "wait": f"{step.get('seconds', '')} s",
            "llm": step.get("model", ""),
        }.get(kind, "")
        rows.append({"id": step.get("id"), "kind": kind, "depends_on": step.get("depends_on", []),
                     "when": step.get("when", ""), "target": target})  # fmt: skip
    return rows


def _render_workflow(request: HttpRequest, workflow: Workflow, execute: ExecuteForm | None = None) -> HttpResponse:
    writable = can_write(request)
    filters = RunFilterForm(request.GET, workflow=workflow)
    run_page = Paginator(filters.filter(selectors.run_list()), RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "workflow": workflow,
        "steps": _step_rows(workflow.steps),
        "inputs_schema": _dump(workflow.inputs_schema),
        "outputs": _dump(workflow.outputs),
        "execute": execute or ExecuteForm(schema=workflow.inputs_schema, read_only=not writable),
        "filters": filters,
        "runs": run_page,
        "versions": selectors.workflow_versions(workflow),
        "can_write": writable,
    }
    return render(request, "workflows/detail.html", context)


@login_required
@require_GET
def workflow_detail(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """A workflow's definition, its execute form, its runs and its versions."""
    return _render_workflow(request, _workflow(workflow_id))


@login_required
@require_POST
def workflow_execute(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """Queue a run of the newest version with the typed inputs, then follow it on its page."""
    acting(request, "Changing and running workflows")
    workflow = _workflow(workflow_id)
    form = ExecuteForm(request.POST, schema=workflow.inputs_schema)
    if not form.is_valid():
        return _render_workflow(request, workflow, form)
    user = _user(request)
    try:
        run = runs.run_execute(workflow=workflow, inputs=form.inputs, user=user, scopes=frozenset(user.scopes))
    except InputsInvalid as error:
        form.add_inputs_errors(error.details, error.message)
        return _render_workflow(request, workflow, form)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("workflow-detail", workflow_id=workflow.id)
    messages.success(request, f"Run of “{workflow.name}” v{workflow.version} queued.")
    return redirect("workflow-run", run_id=run.id)


@login_required
@require_POST
def workflow_restore(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """Save an old version's definition as the newest version."""
    acting(request, "Changing and running workflows")
    workflow = _workflow(workflow_id)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a version to restore.")
        return redirect("workflow-detail", workflow_id=workflow.id)
    number = form.cleaned_data["version"]
    try:
        workflow = definitions.workflow_restore(workflow=workflow, version=number, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    except IntegrityError:
        messages.error(request, f"Version {number}'s name is taken by another workflow now.")
    else:
        messages.success(request, f"Version {number} restored as version {workflow.version}.")
    return redirect("workflow-detail", workflow_id=workflow.id)


@login_required
@require_POST
def workflow_delete(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """Delete (archive): hidden and no new runs; its runs and versions stay."""
    acting(request, "Changing and running workflows")
    workflow = _workflow(workflow_id)
    definitions.workflow_archive(workflow=workflow)
    messages.success(request, f"Workflow “{workflow.name}” deleted; its runs are kept.")
    return redirect("workflows")


@login_required
@require_GET
def workflow_diff(request: HttpRequest, workflow_id: UUID) -> HttpResponse:
    """What changed from version ``from`` to version ``to`` (default: the newest)."""
    workflow = _workflow(workflow_id)
    versions = selectors.workflow_versions(workflow)
    form = DiffForm(request.GET, newest=workflow.version)
    numbers = form.numbers()
    diff, lines = None, []
    if numbers is not None:
        old = get_object_or_404(versions, version=numbers[0])
        new = get_object_or_404(versions, version=numbers[1])
        diff = version_diff(old, new)
        lines = [_diff_line(line) for line in diff["unified_diff"].splitlines()]
    context = {"workflow": workflow, "form": form, "diff": diff, "lines": lines, "versions": versions}
    return render(request, "workflows/diff.html", context, status=200 if numbers or not request.GET else 400)


def _diff_line(line: str) -> dict[str, str]:
    if line.startswith(("+++", "---")):
        kind = "file"
    elif line.startswith("@@"):
        kind = "hunk"
    else:
        kind = {"+": "added", "-": "removed"}.get(line[:1], "context")
    return {"kind": kind, "text": line}


# --- runs --------------------------------------------------------------------------------------


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    """Every run, newest first, filtered by workflow, status and trigger."""
    filters = RunFilterForm(request.GET, field_order=["workflow", "status", "trigger"])
    page = Paginator(filters.filter(selectors.run_list()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflows/runs.html", {"filters": filters, "runs": page})


def _step_entries(run: WorkflowRun) -> list[dict[str, Any]]:
    specs = {spec.get("id"): spec for spec in run.version.steps}
    steps = list(run.steps.all())
    context = runs.context_of(run, {step.step_id: step for step in steps})
    return [
        {
            "step": step,
            "depends_on": specs.get(step.step_id, {}).get("depends_on", []),
            "message": _approval_message(step, specs.get(step.step_id, {}), context),
            "output": "" if step.output is None else _dump(step.output),
            "duration": _duration(step.duration_ms),
            "waiting": step.kind == "approval" and step.status == StepStatus.WAITING,
        }
        for step in steps
    ]


def _approval_message(step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> str:
    """The question as the approver saw it once the step is reached, its template before."""
    message = spec.get("message", "") if step.kind == "approval" else ""
    if not message or step.status == StepStatus.PENDING:
        return str(message)
    try:
        return str(references.render(message, context))
    except references.InvalidReference:
        return str(message)


def _duration(ms: float | None) -> str:
    """As workflow_run.js writes it: milliseconds below a second, else seconds."""
    if ms is None:
        return "—"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """A run's progress and steps, updated live; approvals and cancel for writers."""
    run = _run(run_id)
    context = {
        "run": run,
        "steps": _step_entries(run),
        "inputs": _dump(run.inputs),
        "outputs": "" if run.outputs is None else _dump(run.outputs),
        "finished_statuses": " ".join(RUN_FINISHED),
        "can_write": can_write(request),
    }
    return render(request, "workflows/run.html", context)


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """Stop the run; one that already ended says so."""
    acting(request, "Changing and running workflows")
    run = _run(run_id)
    try:
        runs.run_cancel(run=run)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Run cancelled.")
    return redirect("workflow-run", run_id=run.id)


@login_required
@require_POST
def run_decide(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """Approve or reject a waiting approval step, with an optional comment."""
    acting(request, "Changing and running workflows")
    run = _run(run_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        problems = " ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        messages.error(request, f"The decision is incomplete: {problems}")
        return redirect("workflow-run", run_id=run.id)
    data = form.cleaned_data
    approve = data["decision"] == "approve"
    try:
        approvals.approval_decide(
            run=run, step_id=data["step_id"], user=request.user, approve=approve, comment=data["comment"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Step {data['step_id']} {'approved' if approve else 'rejected'}.")
    return redirect("workflow-run", run_id=run.id)
