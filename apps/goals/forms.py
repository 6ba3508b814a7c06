"""Forms of the goals pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet

from apps.goals.models import VALUE_LIMIT, Goal, GoalStatus
from apps.workflows.models import Workflow

KEY_RESULT_ROWS = 3


def _value(**options: Any) -> forms.FloatField:
    """A key result value, within the bounds the API keeps too."""
    return forms.FloatField(min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT, **options)


class GoalFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *GoalStatus.choices], required=False)
    owner = forms.CharField(required=False, max_length=150, label="Owner")
    search = forms.CharField(required=False, max_length=200, label="Search")

    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    def filter(self, goals: QuerySet[Goal]) -> QuerySet[Goal]:
        if not self.is_valid():
            return goals
        data = self.cleaned_data
        if data["status"]:
            goals = goals.filter(status=data["status"])
        if data["owner"]:
            goals = goals.filter(owner__username=data["owner"])
        if data["search"]:
            goals = goals.filter(Q(title__icontains=data["search"]) | Q(description__icontains=data["search"]))
        return goals


class GoalForm(forms.Form):
    """A goal's definition. On create it also takes up to three key results."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    target_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    workflows = forms.ModelMultipleChoiceField(
        queryset=Workflow.objects.filter(archived_at__isnull=True).order_by("name"),
        required=False,
        help_text="A linked workflow counts as done once one of its runs succeeds.",
    )

    def __init__(self, *args: Any, with_key_results: bool = False, goal: Goal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.with_key_results = with_key_results
        if goal is not None:  # a deleted workflow the goal links to stays linked unless unticked
            live = Q(archived_at__isnull=True) | Q(goals=goal)
            field = cast(forms.ModelMultipleChoiceField, self.fields["workflows"])
            field.queryset = Workflow.objects.filter(live).distinct().order_by("name")
        if with_key_results:
            for row in range(1, KEY_RESULT_ROWS + 1):
                self.fields[f"kr{row}_title"] = forms.CharField(required=False, max_length=200, label="Key result")
                self.fields[f"kr{row}_start"] = _value(required=False, label="Start", initial=0)
                self.fields[f"kr{row}_target"] = _value(required=False, label="Target")
                self.fields[f"kr{row}_unit"] = forms.CharField(required=False, max_length=32, label="Unit")

    def key_result_rows(self) -> list[list[forms.BoundField]]:
        names = ("title", "start", "target", "unit")
        return [[self[f"kr{row}_{name}"] for name in names] for row in range(1, KEY_RESULT_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        results = []
        for row in range(1, KEY_RESULT_ROWS + 1) if self.with_key_results else ():
            title, target = data.get(f"kr{row}_title"), data.get(f"kr{row}_target")
            start = data.get(f"kr{row}_start") or 0.0
            if not title and target is None:
                continue
            if not title:
                self.add_error(f"kr{row}_title", "Name the key result.")
            elif target is None:
                self.add_error(f"kr{row}_target", "Give the value that means done.")
            elif target == start:
                self.add_error(f"kr{row}_target", "The target must differ from the start.")
            else:
                unit = data.get(f"kr{row}_unit") or ""
                results.append({"title": title, "start_value": start, "target_value": target,
                                "current_value": start, "unit": unit})  # fmt: skip
        data["key_results"] = results
        return data

    def goal_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"title": data["title"], "description": data["description"], "target_date": data["target_date"],
                "workflows": list(data["workflows"])}  # fmt: skip


class KeyResultValueForm(forms.Form):
    current_value = _value(label="Current value")


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=200)
    start_value = _value(initial=0, label="Start")
    target_value = _value(label="Target")
    unit = forms.CharField(required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target_value") is not None and data.get("target_value") == data.get("start_value"):
            self.add_error("target_value", "The target must differ from the start.")
        data["current_value"] = data.get("start_value")
        return data
