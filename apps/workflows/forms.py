"""Control-center forms of the workflows pages. They parse what a person typed or uploaded
(JSON or YAML) into the arguments of the services; the services validate definitions and
inputs, and :meth:`WorkflowForm.add_definition_errors` puts their answers next to the field
and the step they name."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import yaml
from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

from apps.workflows import selectors
from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from apps.workflows.services.definitions import DEFINITION_FIELDS

MAX_DOCUMENT_CHARS = 256 * 1024
# Keys of an exported or API-shaped document that describe a stored copy, not the definition.
METADATA_KEYS = {"id", "version", "created_at", "updated_at"}
TRIGGERS = ("manual", "hub", "schedule", "webhook")
CODE = {"rows": 14, "spellcheck": "false", "class": "code", "autocomplete": "off"}
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _pure_json(value: Any, what: str) -> Any:
    """YAML can hold dates, sets and NaN; keep only what JSON (and PostgreSQL's jsonb) can."""
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        raise forms.ValidationError(f"{what} holds values JSON cannot (sets, NaN or similar).") from None


def _load_yaml(text: str, what: str) -> Any:
    try:
        # An alias can repeat a node exponentially (the "billion laughs"); definitions need none.
        if any(isinstance(token, yaml.AliasToken) for token in yaml.scan(text)):
            raise forms.ValidationError(f"{what}: YAML aliases (*name) are not supported.")
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise forms.ValidationError(f"{what} is not valid YAML: {problem}{where}.") from None
    except RecursionError:
        raise forms.ValidationError(f"{what} is nested too deeply.") from None


def parse_document(text: str, what: str) -> Any:
    """JSON when it starts like JSON (for its precise messages), YAML otherwise."""
    text = text.strip()
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"{what} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            ) from None
        except RecursionError:
            raise forms.ValidationError(f"{what} is nested too deeply.") from None
    else:
        value = _load_yaml(text, what)
    return _pure_json(value, what)


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)


def definition_problems(details: dict[str, Any] | None) -> list[dict[str, str]]:
    """The service's ``details`` ({"steps.fetch": [...]}) as rows naming place and step."""
    rows = []
    for place, messages in (details or {}).items():
        step = place.split(".", 1)[1] if place.startswith("steps.") else ""
        for message in messages if isinstance(messages, list) else [messages]:
            rows.append({"place": place, "step": step, "message": str(message)})
    return rows


class WorkflowFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "Name or description", "type": "search"})

    def filter(self, queryset: QuerySet[Workflow]) -> QuerySet[Workflow]:
        q = self.cleaned_data.get("q") if self.is_valid() else ""
        return queryset.filter(Q(name__icontains=q) | Q(description__icontains=q)) if q else queryset

    @property
    def is_filtered(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("q"))


class WorkflowForm(forms.Form):
    """A definition; ``cleaned_data`` holds the arguments of ``workflow_create`` (and the
    changes ``workflow_update`` takes). Steps, inputs schema and outputs are JSON or YAML."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    steps = forms.CharField(
        max_length=MAX_DOCUMENT_CHARS,
        help_text='A JSON (or YAML) list of steps, e.g. [{"id": "fetch", "kind": "service", '
        '"service": "RouteTable", "method": "routes"}].',
        widget=forms.Textarea(attrs=CODE),
    )
    inputs_schema = forms.CharField(
        required=False,
        max_length=MAX_DOCUMENT_CHARS,
        label="Inputs schema",
        help_text="A JSON Schema object for the run inputs. Empty means {} (any inputs).",
        widget=forms.Textarea(attrs={**CODE, "rows": 6}),
    )
    outputs = forms.CharField(
        required=False,
        max_length=MAX_DOCUMENT_CHARS,
        help_text='Output name → {{ reference }}, e.g. {"routes": "{{ steps.fetch.output }}"}. Empty means {}.',
        widget=forms.Textarea(attrs={**CODE, "rows": 4}),
    )

    def __init__(self, *args: Any, workflow: Workflow | None = None, read_only: bool = False, **kwargs: Any) -> None:
        self.workflow = workflow
        self.step_problems: list[dict[str, str]] = []
        if workflow is not None:
            kwargs.setdefault("initial", self.initial_for(workflow))
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = read_only

    @staticmethod
    def initial_for(workflow: Workflow) -> dict[str, Any]:
        return {
            "name": workflow.name,
            "description": workflow.description,
            "steps": dump_json(workflow.steps),
            "inputs_schema": dump_json(workflow.inputs_schema),
            "outputs": dump_json(workflow.outputs),
        }

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        taken = selectors.workflow_list().filter(name=name)
        if self.workflow is not None:
            taken = taken.exclude(pk=self.workflow.pk)
        if taken.exists():
            raise forms.ValidationError("A workflow with that name exists.")
        return name

    def clean_steps(self) -> list[Any]:
        steps = parse_document(self.cleaned_data["steps"], "Steps")
        if not isinstance(steps, list):
            raise forms.ValidationError("Steps must be a list of step objects ([…]).")
        return steps

    def _object(self, field: str, what: str) -> dict[str, Any]:
        text: str = self.cleaned_data[field]
        value = parse_document(text, what) if text.strip() else {}
        if not isinstance(value, dict):
            raise forms.ValidationError(f"{what} must be an object ({{…}}).")
        return value

    def clean_inputs_schema(self) -> dict[str, Any]:
        return self._object("inputs_schema", "The inputs schema")

    def clean_outputs(self) -> dict[str, Any]:
        return self._object("outputs", "Outputs")

    def add_definition_errors(self, details: dict[str, Any] | None, message: str) -> None:
        """Put a ``DefinitionInvalid``'s problems on their fields, and the steps' on a list
        that names each step."""
        problems = definition_problems(details)
        self.step_problems = [row for row in problems if row["place"].startswith("steps")]
        if self.step_problems:
            count = len(self.step_problems)
            self.add_error("steps", f"{count} problem{'s' if count > 1 else ''} in the steps, listed below.")
        for row in problems:
            field = re.split(r"[.\[]", row["place"], maxsplit=1)[0]
            if field in ("inputs_schema", "outputs"):
                prefix = "" if row["place"] == field else f"{row['place']}: "
                self.add_error(field, prefix + row["message"])
            elif field != "steps":
                self.add_error(None, f"{row['place']}: {row['message']}")
        if not problems:
            self.add_error(None, message)

    def add_duplicate_name_error(self) -> None:
        self.add_error("name", "A workflow with that name exists.")


class ImportForm(forms.Form):
    """A whole definition as a JSON or YAML document, uploaded or pasted; ``cleaned_data``
    then holds the arguments of ``workflow_create``."""

    file = forms.FileField(required=False, label="File", help_text="A .json, .yaml or .yml export.")
    document = forms.CharField(
        required=False,
        max_length=MAX_DOCUMENT_CHARS,
        label="…or paste it",
        help_text="Keys: name, description, steps, inputs_schema, outputs.",
        widget=forms.Textarea(attrs=CODE),
    )

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step_problems: list[dict[str, str]] = []
        for field in self.fields.values():
            field.disabled = read_only

    def _text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return str(self.cleaned_data.get("document") or "")
        if upload.size > MAX_DOCUMENT_CHARS:
            raise forms.ValidationError({"file": f"The file is larger than {MAX_DOCUMENT_CHARS // 1024} KB."})
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError({"file": "The file is not UTF-8 text."}) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        text = self._text()
        if not text.strip():
            raise forms.ValidationError("Choose a file or paste a document.")
        try:
            document = parse_document(text, "The document")
        except forms.ValidationError as error:
            raise forms.ValidationError({"file" if cleaned.get("file") else "document": error}) from None
        cleaned.update(self._definition(document))
        return cleaned

    def _definition(self, document: Any) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise forms.ValidationError("The document must be an object with name, steps and the other keys.")
        unknown = sorted(set(document) - set(DEFINITION_FIELDS) - METADATA_KEYS)
        if unknown:
            raise forms.ValidationError(f"Unknown keys: {', '.join(map(str, unknown))}.")
        name, steps = document.get("name"), document.get("steps")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            raise forms.ValidationError("name must be text of 1 to 100 characters.")
        if selectors.workflow_list().filter(name=name.strip()).exists():
            raise forms.ValidationError(f"A workflow named “{name.strip()}” exists.")
        if not isinstance(steps, list):
            raise forms.ValidationError("steps must be a list of step objects.")
        definition: dict[str, Any] = {"name": name.strip(), "steps": steps}
        for key, kind, default in (("description", str, ""), ("inputs_schema", dict, {}), ("outputs", dict, {})):
            value = document.get(key)
            if value is not None and not isinstance(value, kind):
                raise forms.ValidationError(f"{key} must be {'text' if kind is str else 'an object'}.")
            definition[key] = default if value is None else value
        return definition

    def add_definition_errors(self, details: dict[str, Any] | None, message: str) -> None:
        self.step_problems = definition_problems(details)
        self.add_error(None, message)


class ExportForm(forms.Form):
    format = forms.ChoiceField(required=False, choices=[("json", "JSON"), ("yaml", "YAML")])

    def chosen(self) -> str | None:
        """The format asked for (JSON by default), None for one we do not write."""
        return (self.cleaned_data.get("format") or "json") if self.is_valid() else None


class RunFilterForm(forms.Form):
    """The run lists' GET filters; a value that does not exist is ignored, not refused.
    Without ``workflow`` it also filters by workflow and trigger (the runs page)."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *RunStatus.choices])
    workflow = forms.ChoiceField(required=False, choices=[])
    trigger = forms.ChoiceField(required=False, choices=[("", "Any trigger"), *((t, t) for t in TRIGGERS)])

    def __init__(self, *args: Any, workflow: Workflow | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.of_workflow = workflow
        if workflow is not None:
            del self.fields["workflow"], self.fields["trigger"]
        else:
            named = Workflow.objects.order_by("name", "-created_at").values_list("id", "name", "archived_at")
            cast(forms.ChoiceField, self.fields["workflow"]).choices = [
                ("", "Any workflow"),
                *((str(pk), f"{name} (deleted)" if archived else name) for pk, name, archived in named),
            ]

    def filter(self, queryset: QuerySet[WorkflowRun]) -> QuerySet[WorkflowRun]:
        self.is_valid()
        data = self.cleaned_data
        if self.of_workflow is not None:
            queryset = queryset.filter(workflow=self.of_workflow)
        for field, lookup in (("status", "status"), ("workflow", "workflow_id"), ("trigger", "trigger")):
            if data.get(field):
                queryset = queryset.filter(**{lookup: data[field]})
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


def _typed_field(name: str, prop: dict[str, Any], required: bool) -> forms.Field | None:
    """A form field for a simple JSON Schema property, None for anything else."""
    common: dict[str, Any] = {
        "required": required,
        "label": prop.get("title") or name,
        "help_text": prop.get("description", ""),
        "initial": prop.get("default"),
    }
    kind = prop.get("type", "string" if "enum" in prop else None)
    if "enum" in prop:
        values = prop["enum"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return None
        return forms.ChoiceField(choices=[("", "—"), *((v, v) for v in values)], **common)
    if kind == "string":
        limits: dict[str, Any] = {"max_length": prop.get("maxLength"), "min_length": prop.get("minLength")}
        lengths: dict[str, Any] = {k: v for k, v in limits.items() if isinstance(v, int)}
        return forms.CharField(**common, **lengths)
    if kind in ("integer", "number"):
        limits = {"min_value": prop.get("minimum"), "max_value": prop.get("maximum")}
        limits = {k: v for k, v in limits.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        field_class = forms.IntegerField if kind == "integer" else forms.FloatField
        return field_class(**common, **limits)
    if kind == "boolean":
        choices = (
            [("true", "true"), ("false", "false")] if required else [("", "—"), ("true", "true"), ("false", "false")]
        )
        default = prop.get("default")
        initial = ("true" if default else "false") if isinstance(default, bool) else None
        return forms.TypedChoiceField(
            choices=choices, coerce=lambda value: value == "true", empty_value=None, **{**common, "initial": initial}
        )
    return None


def typed_fields(schema: dict[str, Any]) -> dict[str, forms.Field] | None:
    """One field per property when the schema is an object of simple properties (strings,
    numbers, booleans, string enums); None when it needs the JSON textarea."""
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return None
    properties = schema.get("properties")
    required = schema.get("required", [])
    if not isinstance(properties, dict) or not properties or not isinstance(required, list):
        return None
    fields: dict[str, forms.Field] = {}
    # Required first, then by name: PostgreSQL's jsonb does not keep the schema's key order.
    for name in sorted(properties, key=lambda name: (name not in required, name)):
        prop = properties[name]
        field = _typed_field(name, prop, name in required) if isinstance(prop, dict) else None
        if field is None or not PROPERTY_NAME.match(name):
            return None
        fields[name] = field
    return fields


class ExecuteForm(forms.Form):
    """A run's inputs: one typed field per property of a simple ``inputs_schema``, otherwise
    one JSON (or YAML) object. ``inputs`` is set once the form is valid; the service checks
    the inputs against the schema."""

    def __init__(self, *args: Any, schema: dict[str, Any], read_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "input")
        super().__init__(*args, **kwargs)
        typed = typed_fields(schema)
        self.typed = typed is not None
        self.inputs: dict[str, Any] = {}
        if typed is not None:
            self.fields.update(typed)
        else:
            self.fields["inputs"] = forms.CharField(
                required=False,
                max_length=MAX_DOCUMENT_CHARS,
                initial="{}",
                label="Inputs",
                help_text="A JSON object matching the inputs schema. Empty means {}.",
                widget=forms.Textarea(attrs={**CODE, "rows": 5}),
            )
        for field in self.fields.values():
            field.disabled = read_only

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if self.typed:
            self.inputs = {name: value for name, value in cleaned.items() if value not in (None, "")}
            return cleaned
        text = str(cleaned.get("inputs") or "")
        try:
            value = parse_document(text, "Inputs") if text.strip() else {}
        except forms.ValidationError as error:
            raise forms.ValidationError({"inputs": error}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError({"inputs": "Inputs must be a JSON object ({…})."})
        self.inputs = value
        return cleaned

    def add_inputs_errors(self, details: dict[str, Any] | None, message: str) -> None:
        """Put an ``InputsInvalid``'s problems ({"path.in.inputs": [...]}) on their fields."""
        for path, messages in (details or {}).items():
            top = str(path).split(".", 1)[0]
            for text in messages if isinstance(messages, list) else [messages]:
                if self.typed and top in self.fields:
                    self.add_error(top, str(text))
                elif not self.typed:
                    self.add_error("inputs", f"{path}: {text}")
                else:
                    self.add_error(None, str(text))
        if not details:
            self.add_error(None, message)


class DecisionForm(forms.Form):
    step_id = forms.CharField(max_length=63)
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=1000)


class RestoreForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class DiffForm(forms.Form):
    """``from`` and ``to`` version numbers (``to`` defaults to the newest)."""

    def __init__(self, *args: Any, newest: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.IntegerField(min_value=1, max_value=2**31 - 1, initial=max(newest - 1, 1))
        self.fields["to"] = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, initial=newest)
        self.newest = newest

    def numbers(self) -> tuple[int, int] | None:
        if not self.is_valid():
            return None
        return self.cleaned_data["from"], self.cleaned_data["to"] or self.newest
