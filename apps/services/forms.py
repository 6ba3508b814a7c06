"""Control-center forms of the service hub: the list's search and layer filter, and the
"try it" form whose params are a JSON object."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from apps.monitoring.health.layers import LAYERS

LAYER_CHOICES = [(layer.code, f"{layer.code} {layer.name}") for layer in LAYERS]
MAX_PARAMS_LENGTH = 100_000


class ServiceFilterForm(forms.Form):
    """GET filters of ``/services``; an unknown layer is ignored, not refused."""

    q = forms.CharField(required=False, max_length=200, label="Search", strip=True)
    layer = forms.ChoiceField(required=False, choices=[("", "Any layer"), *LAYER_CHOICES])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": "Name, method or description (typos welcome)", "type": "search", "autocomplete": "off"}
        )

    def values(self) -> tuple[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("q") or "", data.get("layer") or ""

    @property
    def is_filtered(self) -> bool:
        return any(self.values())


class TryForm(forms.Form):
    """The params of one call, typed as JSON; they must form an object."""

    params = forms.CharField(
        required=False,
        max_length=MAX_PARAMS_LENGTH,
        strip=True,
        label="Params (JSON)",
        widget=forms.Textarea(attrs={"rows": 6, "class": "code", "spellcheck": "false"}),
    )

    def clean_params(self) -> dict[str, Any]:
        text = self.cleaned_data.get("params") or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("The params must be a JSON object ({…}).")
        return value
