"""Control-center forms of the learning pages. They check shape; the services in
:mod:`apps.learning.services` parse templates and judge feedback, and ``add_domain_error``
puts their refusals next to the field they name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from apps.learning import rendering, selectors
from apps.learning.export import SUBJECTS, ExportFilter
from apps.learning.models import SCORE_MAX, SCORE_MIN, Feedback, PromptVersion, SubjectType
from apps.learning.models.feedback import COMMENT_MAX, LABEL_MAX
from apps.learning.models.prompts import GENERATING_USE_CASES
from apps.workflows.models import Workflow
from storyportal.api.exceptions import DomainError

CODE = {"rows": 10, "spellcheck": "false", "class": "code", "autocomplete": "off"}
SCORES = [(str(score), str(score)) for score in range(SCORE_MIN, SCORE_MAX + 1)]
TEXT_HELP = "Jinja2: {{ name }} is a variable, {% for x in items %}…{% endfor %} a loop."


class DomainErrorsForm(forms.Form):
    """A form that shows a service's refusal: its ``details`` on the fields they name, the
    rest above the form."""

    def add_domain_error(self, error: DomainError) -> None:
        placed = False
        for field, problems in (error.details or {}).items():
            if field in self.fields:
                for problem in map(str, problems if isinstance(problems, list) else [problems]):
                    # "line 2: unexpected '}'" says where, the message says what.
                    where = problem.startswith("line ")
                    self.add_error(field, f"{error.message.rstrip('.')} at {problem}" if where else problem)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class TemplateForm(DomainErrorsForm):
    """A new template; ``cleaned_data`` holds the arguments of ``template_create``."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    use_case = forms.ChoiceField(
        choices=[(case, case) for case in GENERATING_USE_CASES],
        initial="chat",
        label="Use case",
        help_text="The routed model that runs it unless a model is named.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(
        max_length=rendering.MAX_TEXT, strip=False, help_text=TEXT_HELP, widget=forms.Textarea(attrs=CODE)
    )
    note = forms.CharField(required=False, max_length=200, help_text="Why this version, e.g. “first draft”.")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if selectors.template_list().filter(name=name).exists():
            raise forms.ValidationError("A template with that name exists.")
        return name

    def add_duplicate_name_error(self) -> None:
        self.add_error("name", "A template with that name exists.")


class VersionForm(DomainErrorsForm):
    """A new text for a template: saved as its next version (the same text saves nothing)."""

    text = forms.CharField(
        max_length=rendering.MAX_TEXT, strip=False, help_text=TEXT_HELP, widget=forms.Textarea(attrs=CODE)
    )
    note = forms.CharField(required=False, max_length=200, help_text="What changed, e.g. “shorter answers”.")


class TryForm(DomainErrorsForm):
    """The variables of one version, one text box each; ``variables`` holds them once valid.
    Every variable is given (an empty box is an empty string), so the text renders."""

    def __init__(self, data: Any = None, *, version: PromptVersion) -> None:
        super().__init__(data, prefix="var")
        for name in version.variables:
            self.fields[name] = forms.CharField(required=False, strip=False, label=name, max_length=rendering.MAX_TEXT)
        self.variables: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.variables = {name: cleaned.get(name) or "" for name in self.fields}
        return cleaned

    def add_domain_error(self, error: DomainError) -> None:
        """Above the boxes: what fails to render is the text, or a value the text misuses."""
        problems = [str(problem) for problem in (error.details or {}).get("text", [])]
        self.add_error(None, f"{error.message.rstrip('.')} ({'; '.join(problems)})." if problems else error.message)


class FeedbackForm(DomainErrorsForm):
    """A judgement of one of the template's versions: a score, a label, or both."""

    version = forms.TypedChoiceField(coerce=int, choices=[])
    score = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "—"), *SCORES], help_text="1 (bad) to 5 (good)."
    )
    label = forms.CharField(
        required=False, max_length=LABEL_MAX, help_text="e.g. good, too-long, hallucination (kept in lower case)."
    )
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data: Any = None, *, versions: Iterable[PromptVersion], selected: int) -> None:
        super().__init__(data, prefix="feedback", initial={"version": selected})
        self.by_number = {version.version: version for version in versions}
        choices = [(number, f"v{number}") for number in self.by_number]
        cast(forms.TypedChoiceField, self.fields["version"]).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and cleaned.get("score") is None and not cleaned.get("label", "").strip():
            self.add_error("score", "Give a score, a label, or both.")
        return cleaned


class FeedbackFilterForm(forms.Form):
    """The feedback page's GET filters, as the API's ``feedback/`` names them. A value that
    does not exist (a label nobody gave) matches nothing."""

    subject_type = forms.ChoiceField(
        required=False, label="Subject", choices=[("", "Any subject"), *SubjectType.choices]
    )
    label = forms.ChoiceField(required=False)
    score = forms.ChoiceField(required=False, choices=[("", "Any score"), *SCORES])
    subject_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, labels: list[str]) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["label"]).choices = [("", "Any label"), *((x, x) for x in labels)]

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(value not in (None, "") for value in self.cleaned_data.values())

    def filter(self, feedback: QuerySet[Feedback]) -> QuerySet[Feedback]:
        if not self.is_valid():
            return feedback.none()
        chosen = {field: value for field, value in self.cleaned_data.items() if value not in (None, "")}
        return feedback.filter(**chosen)


class ExportForm(forms.Form):
    """What ``learning/export/`` streams; ``spec()`` is its filter once the form is valid."""

    subject = forms.ChoiceField(choices=[(name, f"{SubjectType(kind).label}s") for name, kind in SUBJECTS.items()])
    workflow = forms.ChoiceField(required=False, help_text="Workflow runs only.")
    since = forms.DateTimeField(
        required=False,
        label="Since (UTC)",
        help_text="Rows created at or after this time.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    min_score = forms.FloatField(
        required=False,
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        label="Minimum average score",
        help_text=f"{SCORE_MIN} to {SCORE_MAX}; rows without a score are left out when set.",
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        named = Workflow.objects.order_by("name", "-created_at").values_list("id", "name", "archived_at")
        cast(forms.ChoiceField, self.fields["workflow"]).choices = [
            ("", "Any workflow"),
            *((str(pk), f"{name} (deleted)" if archived else name) for pk, name, archived in named),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("workflow") and cleaned.get("subject") != "workflow_runs":
            self.add_error("workflow", "A workflow applies to workflow runs only.")
        return cleaned

    def spec(self) -> ExportFilter:
        data = self.cleaned_data
        return ExportFilter(subject=data["subject"], workflow=data.get("workflow") or None, since=data.get("since"),
                            min_score=data.get("min_score"))  # fmt: skip
