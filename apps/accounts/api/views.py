"""Users, API keys and API sessions over the gateway (contract: users/, api-keys/, sessions/)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import selectors, services
from apps.accounts.api import serializers as s
from apps.accounts.models import ApiKey, ApiSession, User
from apps.accounts.scopes import ADMIN
from storyportal.api.permissions import KeyCannotManageKeys, ScopePermission, is_platform_admin
from storyportal.api.principal import ApiKeyCredential
from storyportal.api.views import validated


class UserViewSet(viewsets.ModelViewSet[User]):
    """Accounts (admin only). Users are never deleted: DELETE deactivates."""

    serializer_class = s.UserSerializer
    required_scope = ADMIN
    action_scopes = {"me": None}
    filterset_fields = ["role", "is_active"]
    ordering_fields = ["id", "username", "created_at", "last_login"]
    ordering = ["username"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list()

    @extend_schema(request=s.UserCreateSerializer, responses={201: s.UserSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = services.user_create(**validated(s.UserCreateSerializer, request))
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.UserUpdateSerializer, responses=s.UserSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        changes = validated(s.UserUpdateSerializer, request, instance=user, partial=kwargs.get("partial", False))
        user = services.user_update(user=user, acting_user=request.user, **changes)  # type: ignore[arg-type]
        return Response(s.UserSerializer(user).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.user_deactivate(user=self.get_object(), acting_user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """The caller's own account."""
        return Response(s.UserSerializer(User.objects.get(pk=request.user.pk)).data)  # type: ignore[misc]


class ApiKeyFilter(django_filters.FilterSet):
    # A plain number, not a model choice: an unknown id must not answer differently from
    # someone else's (non-admins only ever see their own keys anyway).
    user = django_filters.NumberFilter(field_name="user_id")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ApiKey
        fields = ["user", "revoked"]


class ApiKeyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ApiKey]
):
    """API keys. Everyone manages their own; ``admin:platform`` sees and revokes all."""

    serializer_class = s.ApiKeySerializer
    required_scope = None
    permission_classes = [ScopePermission, KeyCannotManageKeys]
    filterset_class = ApiKeyFilter
    ordering_fields = ["created_at", "name", "last_used_at", "expires_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[ApiKey]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return ApiKey.objects.none()
        return selectors.api_key_list(owner=self.request.user, include_all=is_platform_admin(self.request))  # type: ignore[arg-type]

    @extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Create a key for yourself. The response is the only time the key is shown."""
        data = validated(s.ApiKeyCreateSerializer, request)
        creator = request.auth.scopes if isinstance(request.auth, ApiKeyCredential) else None
        api_key, raw = services.api_key_create(owner=request.user, creator_scopes=creator, **data)  # type: ignore[arg-type]
        body = s.ApiKeyCreatedSerializer(api_key).data
        body["key"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiKey) -> None:
        services.api_key_revoke(api_key=instance)


class SessionViewSet(viewsets.ModelViewSet[ApiSession]):
    """API sessions of the caller (all of them for ``admin:platform``)."""

    serializer_class = s.SessionSerializer
    required_scope = None
    ordering_fields = ["created_at", "expires_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[ApiSession]:
        if getattr(self, "swagger_fake_view", False):
            return ApiSession.objects.none()
        return selectors.session_list(owner=self.request.user, include_all=is_platform_admin(self.request))  # type: ignore[arg-type]

    @extend_schema(request=s.SessionWriteSerializer, responses={201: s.SessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session = services.session_create(user=request.user, **validated(s.SessionWriteSerializer, request))  # type: ignore[arg-type]
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reading a session renews its hour."""
        return Response(s.SessionSerializer(services.session_touch(session=self.get_object())).data)

    @extend_schema(request=s.SessionWriteSerializer, responses=s.SessionSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """PUT replaces ``data``; PATCH merges its top-level keys."""
        partial = kwargs.get("partial", False)
        data = validated(s.SessionWriteSerializer, request, partial=partial).get("data", {})
        session = services.session_update(session=self.get_object(), data=data, merge=partial)
        return Response(s.SessionSerializer(session).data)

    def perform_destroy(self, instance: ApiSession) -> None:
        services.session_delete(session=instance)
