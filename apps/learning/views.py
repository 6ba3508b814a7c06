"""Control-center pages of the learning layer (L07): the prompt templates, a template's page
(its versions with their scores, a form to try a version, feedback on a version and a new
version), the feedback log and the JSON Lines export. Reads go through the selectors, writes
through the services; anyone logged in may look, render and export, while saving versions and
giving feedback need ``write:services`` (as in the API)."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.learning import page_selectors, selectors
from apps.learning.api.export_views import CONTENT_TYPE
from apps.learning.errors import ExportInvalid, TemplateInvalid
from apps.learning.export import export_lines
from apps.learning.forms import ExportForm, FeedbackFilterForm, FeedbackForm, TemplateForm, TryForm, VersionForm
from apps.learning.models import PromptTemplate, PromptVersion, SubjectType
from apps.learning.services import feedback, prompts
from storyportal.api.exceptions import DomainError
from storyportal.console.access import acting, can_write

PAGE_SIZE = 50


def _template(template_id: UUID) -> PromptTemplate:
    return get_object_or_404(selectors.template_list(), pk=template_id)


def _template_url(template: PromptTemplate, version: int | None = None, anchor: str = "versions") -> str:
    query = f"?version={version}" if version is not None else ""
    return f"{reverse('prompt-template', args=[template.id])}{query}#{anchor}"


# --- templates ---------------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """Templates by name with their current version's variables and score."""
    page = Paginator(page_selectors.template_rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning/templates.html", {"page": page, "can_write": can_write(request)})


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    """Define a template and its version 1."""
    if request.method == "POST":
        acting(request, "Changing prompt templates and giving feedback")
    form = TemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            template = prompts.template_create(user=request.user, **form.cleaned_data)
        except TemplateInvalid as error:
            form.add_domain_error(error)
        except IntegrityError:
            form.add_duplicate_name_error()
        else:
            messages.success(request, f"Template “{template.name}” created.")
            return redirect("prompt-template", template_id=template.id)
    return render(request, "learning/new.html", {"form": form, "can_write": can_write(request)})


def _chosen(versions: list[PromptVersion], number: Any) -> PromptVersion:
    found = next((version for version in versions if str(version.version) == str(number)), None)
    if found is None:
        raise Http404("The template has no such version.")
    return found


def _rendered(template: PromptTemplate, version: PromptVersion, form: TryForm) -> str | None:
    """The version rendered with the form's variables, None until asked (or if it fails)."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return prompts.template_render(template=template, variables=form.variables, version=version.version)
    except TemplateInvalid as error:
        form.add_domain_error(error)
        return None


def _render_template(
    request: HttpRequest,
    template: PromptTemplate,
    *,
    selected: Any = None,
    feedback_form: FeedbackForm | None = None,
    version_form: VersionForm | None = None,
) -> HttpResponse:
    versions = list(selectors.version_list(template=template))
    chosen = _chosen(versions, selected or request.GET.get("version") or template.current_version)
    try_form = TryForm(request.GET if "render" in request.GET else None, version=chosen)
    context = {
        "template": template,
        "versions": versions,
        "chosen": chosen,
        "try_form": try_form,
        "rendered": _rendered(template, chosen, try_form),
        "feedback_form": feedback_form or FeedbackForm(versions=versions, selected=chosen.version),
        "version_form": version_form or VersionForm(initial={"text": cast(Any, template).text}),
        "can_write": can_write(request),
    }
    return render(request, "learning/template.html", context)


@login_required
@require_GET
def template_detail(request: HttpRequest, template_id: UUID) -> HttpResponse:
    """A template: its versions, newest first, and one of them (``?version=``) to try."""
    return _render_template(request, _template(template_id))


@login_required
@require_POST
def version_save(request: HttpRequest, template_id: UUID) -> HttpResponse:
    """Save a new text as the next version; the same text saves nothing."""
    acting(request, "Changing prompt templates and giving feedback")
    template = _template(template_id)
    form = VersionForm(request.POST)
    if form.is_valid():
        before = template.current_version
        try:
            saved = prompts.template_update(template=template, user=request.user, **form.cleaned_data)
        except TemplateInvalid as error:
            form.add_domain_error(error)
        else:
            if saved.current_version == before:
                messages.info(request, "The text is unchanged; no version saved.")
            else:
                messages.success(request, f"Saved as version {saved.current_version}.")
            return redirect(_template_url(template))
    return _render_template(request, template, version_form=form)


@login_required
@require_POST
def version_feedback(request: HttpRequest, template_id: UUID) -> HttpResponse:
    """Score or label one of the template's versions."""
    acting(request, "Changing prompt templates and giving feedback")
    template = _template(template_id)
    versions = list(selectors.version_list(template=template))
    form = FeedbackForm(request.POST, versions=versions, selected=template.current_version)
    if form.is_valid():
        data = form.cleaned_data
        version = form.by_number[data["version"]]
        try:
            feedback.feedback_give(
                subject_type=SubjectType.PROMPT_VERSION, subject_id=version.id, user=request.user,
                score=data["score"], label=data["label"], comment=data["comment"],
            )  # fmt: skip
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Feedback on version {version.version} saved.")
            return redirect(_template_url(template, version.version))
    return _render_template(request, template, selected=form.cleaned_data.get("version"), feedback_form=form)


# --- feedback and export -----------------------------------------------------------------------


@login_required
@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    """Every judgement, newest first, filtered by subject, label and score."""
    filters = FeedbackFilterForm(request.GET, labels=page_selectors.feedback_labels())
    page = Paginator(filters.filter(selectors.feedback_list()), PAGE_SIZE).get_page(request.GET.get("page"))
    subjects = page_selectors.subjects_of(page.object_list)
    rows = [{"feedback": item, "subject": subjects.get(item.subject_id)} for item in page.object_list]
    return render(request, "learning/feedback.html", {"filters": filters, "page": page, "rows": rows})


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The export form; submitted, the JSON Lines download that ``learning/export/`` streams."""
    form = ExportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        try:
            lines = export_lines(form.spec())
        except ExportInvalid as error:
            form.add_error(None, error.message)
        else:
            response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            response["Content-Disposition"] = f'attachment; filename="{form.cleaned_data["subject"]}-{stamp}.jsonl"'
            return response
    return render(request, "learning/export.html", {"form": form}, status=400 if form.is_bound else 200)
