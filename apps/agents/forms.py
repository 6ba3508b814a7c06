"""Control-center forms of the agent registry: the list's filters, the agent form and the
admin's form. They check shape; the services in :mod:`apps.agents.services` do the writes."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from apps.agents import selectors
from apps.agents.models import LAYER_CODES, Agent, AgentStatus

MAX_CAPABILITY_LENGTH = 100
MAX_CAPABILITIES = 100
LAYER_CHOICES = [(code, code) for code in LAYER_CODES]


def clean_capability_list(value: Any) -> list[str]:
    """A list of distinct, non-empty strings of at most 100 characters each."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise forms.ValidationError("Capabilities must be a list of strings.")
    capabilities = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    too_long = [item for item in capabilities if len(item) > MAX_CAPABILITY_LENGTH]
    if too_long:
        shown = ", ".join(f"“{item[:20]}…”" for item in too_long)
        raise forms.ValidationError(f"Each capability is at most {MAX_CAPABILITY_LENGTH} characters: {shown}.")
    if len(capabilities) > MAX_CAPABILITIES:
        raise forms.ValidationError(f"At most {MAX_CAPABILITIES} capabilities.")
    return capabilities


def check_config_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
        raise forms.ValidationError(f"Config must be a JSON object ({{…}}), not {kind}.")
    return value


class AgentFilterForm(forms.Form):
    """The list page's GET filters. An invalid value (a status that does not exist) is
    ignored rather than refused: the list still shows."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *AgentStatus.choices])
    layer = forms.ChoiceField(required=False, choices=[("", "Any layer"), *LAYER_CHOICES])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "Name or description", "type": "search"})

    def filter(self, queryset: QuerySet[Agent]) -> QuerySet[Agent]:
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(Q(name__icontains=data["q"]) | Q(description__icontains=data["q"]))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("layer"):
            queryset = queryset.filter(layer=data["layer"])
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


class AgentForm(forms.Form):
    """An agent's definition. ``cleaned_data`` holds exactly the arguments of
    ``agent_create`` (and the changes ``agent_update`` takes)."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    layer = forms.ChoiceField(
        choices=[("", "Choose a layer"), *LAYER_CHOICES], error_messages={"required": "Choose a layer."}
    )
    capabilities = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. “search, summarise”; each at most 100 characters.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    config = forms.CharField(
        required=False,
        initial="{}",
        help_text='A JSON object, e.g. {"model": "llama3"}. Empty means {}.',
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
    )

    def __init__(self, *args: Any, agent: Agent | None = None, read_only: bool = False, **kwargs: Any) -> None:
        self.agent = agent
        if agent is not None:
            kwargs.setdefault("initial", self.initial_for(agent))
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_for(agent: Agent) -> dict[str, Any]:
        return {
            "name": agent.name,
            "description": agent.description,
            "layer": agent.layer,
            "capabilities": ", ".join(agent.capabilities),
            "config": json.dumps(agent.config, indent=2, sort_keys=True),
        }

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        others = selectors.agent_list().filter(name=name)
        if self.agent is not None:
            others = others.exclude(pk=self.agent.pk)
        if others.exists():
            raise forms.ValidationError("An agent with that name exists.")
        return name

    def clean_capabilities(self) -> list[str]:
        text: str = self.cleaned_data["capabilities"]
        return clean_capability_list(text.split(","))

    def clean_config(self) -> dict[str, Any]:
        text: str = self.cleaned_data["config"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Config is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            ) from None
        return check_config_object(value)

    def add_duplicate_name_error(self) -> None:
        """The database refused the name after the form accepted it (a concurrent create)."""
        self.add_error("name", "An agent with that name exists.")


class AgentAdminForm(forms.ModelForm):
    """The admin's form: the same rules as the control center for config and capabilities."""

    class Meta:
        model = Agent
        fields = ["name", "description", "layer", "capabilities", "config"]

    def clean_capabilities(self) -> list[str]:
        value = self.cleaned_data["capabilities"]
        return clean_capability_list([] if value is None else value)

    def clean_config(self) -> dict[str, Any]:
        value = self.cleaned_data["config"]
        return check_config_object({} if value is None else value)
