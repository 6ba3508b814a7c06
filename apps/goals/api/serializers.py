"""Goal shapes (contract: goals/)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from apps.accounts.models import User
from apps.agents.models import Agent
from apps.goals.analytics import MAX_DAYS
from apps.goals.models import LIVE_STATUSES, VALUE_LIMIT, Goal, GoalProgress, GoalStatus, KeyResult
from apps.planning.models import WorkflowDraft
from apps.workflows.models import Workflow
from storyportal.api.permissions import is_platform_admin

MAX_LINKS = 50
MAX_KEY_RESULTS = 20


class KeyResultSerializer(serializers.ModelSerializer[KeyResult]):
    """A key result; ``progress`` (0-100) is how far it is from start to target."""

    start_value = serializers.FloatField(required=False, default=0, min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT)
    target_value = serializers.FloatField(min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT)
    current_value = serializers.FloatField(required=False, min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = KeyResult
        fields = ["id", "title", "start_value", "target_value", "current_value", "unit", "progress",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_progress(self, result: KeyResult) -> int:
        return int(result.fraction * 100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance if isinstance(self.instance, KeyResult) else None
        start = attrs.get("start_value", instance.start_value if instance else 0)
        target = attrs.get("target_value", instance.target_value if instance else None)
        if target is not None and start == target:
            raise serializers.ValidationError({"target_value": ["The target must differ from the start value."]})
        if instance is None and "current_value" not in attrs:
            attrs["current_value"] = start
        return attrs


class GoalSerializer(serializers.ModelSerializer[Goal]):
    """Output of a goal. ``progress`` is 0-100; ``overdue`` is a live goal past its target date."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    workflow_ids = serializers.SerializerMethodField()
    agent_ids = serializers.SerializerMethodField()
    key_results = KeyResultSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = [
            "id", "title", "description", "owner", "owner_id", "status", "progress", "target_date", "overdue",
            "workflow_ids", "agent_ids", "key_results", "draft_id", "achieved_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_workflow_ids(self, goal: Goal) -> list[str]:
        return [str(w.pk) for w in goal.workflows.all()]

    def get_agent_ids(self, goal: Goal) -> list[str]:
        return [str(a.pk) for a in goal.agents.all()]

    def get_overdue(self, goal: Goal) -> bool:
        return bool(goal.target_date and goal.status in LIVE_STATUSES and goal.target_date < timezone.now().date())


def _linked(model: Any, label: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=model.objects.all()),
        required=False,
        max_length=MAX_LINKS,
        help_text=f"Ids of linked {label} (at most {MAX_LINKS}).",
    )


class GoalInputSerializer(serializers.Serializer[Any]):
    """Create and update. ``owner`` (a username) may only be someone else for admins;
    ``key_results`` and ``draft_id`` are for create; ``progress`` only for goals without key
    results or linked workflows; ``status`` moves the goal (409 for a move it does not allow)."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    target_date = serializers.DateField(required=False, allow_null=True)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True),
                                         required=False)  # fmt: skip
    workflow_ids = _linked(Workflow, "workflows")
    agent_ids = _linked(Agent, "agents")
    # DRF passes max_length on to the list serializer; its type stubs do not know that.
    key_results = KeyResultSerializer(many=True, required=False, max_length=MAX_KEY_RESULTS)  # type: ignore[call-arg]
    draft_id = serializers.PrimaryKeyRelatedField(queryset=WorkflowDraft.objects.all(), required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        for name in ("progress", "status") if creating else ("key_results", "draft_id"):
            self.fields.pop(name)

    def validate_owner(self, owner: User) -> User:
        request = self.context["request"]
        if owner != request.user and not is_platform_admin(request):
            raise serializers.ValidationError("Only admins can set goals for someone else.")
        return owner

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A goal made from a planner draft takes its title from the draft's goal text.
        if not self.partial and "title" not in attrs and not (self.creating and "draft_id" in attrs):
            raise serializers.ValidationError({"title": ["This field is required."]})
        renames = {"workflow_ids": "workflows", "agent_ids": "agents"}
        result = {renames.get(name, name): value for name, value in attrs.items()}
        if "draft_id" in result:
            result["draft"] = result.pop("draft_id")
        return result


class GoalProgressSerializer(serializers.ModelSerializer[GoalProgress]):
    class Meta:
        model = GoalProgress
        fields = ["recorded_at", "progress", "status"]


class AnalyticsQuerySerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False, default=30)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), required=False)
