"""Shapes of the model gateway's API (contract: llm/, llm-requests/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.llm.models import LlmRequest
from apps.llm.routing import USE_CASES

GENERATING_USE_CASES = [case for case in USE_CASES if case != "embeddings"]


class _Common(serializers.Serializer[Any]):
    model = serializers.CharField(max_length=200, required=False)
    use_case = serializers.ChoiceField(choices=GENERATING_USE_CASES, required=False, default="chat")
    options = serializers.DictField(required=False)
    format = serializers.JSONField(required=False, help_text='"json" or a JSON Schema for structured output.')
    stream = serializers.BooleanField(required=False, default=False)

    def validate_format(self, value: Any) -> Any:
        if value not in (None, "json") and not isinstance(value, dict):
            raise serializers.ValidationError('Use "json" or a JSON Schema object.')
        return value


class GenerateSerializer(_Common):
    prompt = serializers.CharField(max_length=200_000, trim_whitespace=False)
    system = serializers.CharField(max_length=20_000, required=False, trim_whitespace=False)


class MessageSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=["system", "user", "assistant", "tool"])
    content = serializers.CharField(max_length=200_000, allow_blank=True, trim_whitespace=False)


class ChatSerializer(_Common):
    messages = MessageSerializer(many=True, allow_empty=False)

    def validate_messages(self, value: list[Any]) -> list[Any]:
        if len(value) > 500:
            raise serializers.ValidationError("At most 500 messages.")
        return value


class EmbedSerializer(serializers.Serializer[Any]):
    model = serializers.CharField(max_length=200, required=False)
    input = serializers.JSONField()

    def validate_input(self, value: Any) -> list[str]:
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
            raise serializers.ValidationError("A non-empty string or a list of non-empty strings.")
        if len(texts) > 256 or any(len(t) > 100_000 for t in texts):
            raise serializers.ValidationError("At most 256 texts of at most 100 000 characters.")
        return texts


class LlmRequestSerializer(serializers.ModelSerializer[LlmRequest]):
    class Meta:
        model = LlmRequest
        fields = ["id", "kind", "model", "use_case", "caller", "prompt_tokens", "completion_tokens", "latency_ms",
                  "ttft_ms", "status", "error", "coalesced", "created_at"]  # fmt: skip
