"""Control-center forms of the accounts app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from apps.accounts import scopes as scope_names
from storyportal.api.exceptions import DomainError

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ScopeCheckboxes(forms.CheckboxSelectMultiple):
    """One checkbox per scope, with its description. Scopes outside ``held`` are shown but
    disabled: a key can never hold more than its owner."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: frozenset[str] = frozenset()

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        value = str(option["value"])
        option["description"] = scope_names.SCOPE_DESCRIPTIONS.get(value, "")
        option["held"] = value in self.held
        if not option["held"]:
            option["attrs"]["disabled"] = True
        return option


class ApiKeyCreateForm(forms.Form):
    """A new API key. The form checks shape; ``api_key_create`` decides which scopes the
    owner may grant, and :meth:`add_service_error` shows its refusal on the right field."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in scope_names.ALL_SCOPES],
        widget=ScopeCheckboxes,
        error_messages={"required": "Choose at least one scope."},
    )
    expires_at = forms.DateTimeField(
        label="Expires (UTC)",
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Leave empty for a key that does not expire.",
    )

    def __init__(self, *args: Any, held_scopes: frozenset[str], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"scopes": [scope_names.READ] if scope_names.READ in held_scopes else []})
        super().__init__(*args, **kwargs)
        widget = self.fields["scopes"].widget
        assert isinstance(widget, ScopeCheckboxes)
        widget.held = held_scopes

    def clean_expires_at(self) -> datetime | None:
        expires_at: datetime | None = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("Must be in the future.")
        return expires_at

    def add_service_error(self, error: DomainError) -> None:
        """Show a service's refusal next to the field its details name (else above the form)."""
        field = next((name for name in error.details or {} if name in self.fields), None)
        self.add_error(field, error.message)
