"""Input and output shapes of users, API keys and API sessions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.accounts.models import ApiKey, ApiSession, Role, User
from apps.accounts.scopes import ALL_SCOPES
from apps.accounts.services.sessions import MAX_DATA_BYTES


class UserSerializer(serializers.ModelSerializer[User]):
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "role", "is_active", "scopes",
            "last_login", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_scopes(self, user: User) -> list[str]:
        return [scope for scope in ALL_SCOPES if scope in user.scopes]


def _validated_password(password: str, user: User | None = None) -> str:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from exc
    return password


class UserCreateSerializer(serializers.Serializer[User]):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        probe = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            _validated_password(attrs["password"], probe)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from exc
        return attrs


class UserUpdateSerializer(serializers.Serializer[User]):
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(write_only=True, required=False, trim_whitespace=False, max_length=128)

    def validate_password(self, value: str) -> str:
        return _validated_password(value, self.instance)


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    owner = serializers.CharField(source="user.username", read_only=True)
    is_active = serializers.BooleanField(source="is_usable", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "prefix", "scopes", "owner", "is_active", "expires_at", "last_used_at",
            "revoked_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The one response that carries the key itself."""

    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer[ApiKey]):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ALL_SCOPES), allow_empty=False, max_length=3)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class SessionSerializer(serializers.ModelSerializer[ApiSession]):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiSession
        fields = ["id", "user", "data", "expires_at", "created_at", "updated_at"]
        read_only_fields = fields


class SessionWriteSerializer(serializers.Serializer[ApiSession]):
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]

    def validate_data(self, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value))
        if size > MAX_DATA_BYTES:
            raise serializers.ValidationError(f"Session data is {size} bytes; the limit is {MAX_DATA_BYTES}.")
        return value
