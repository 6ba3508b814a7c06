"""``llm/`` and ``llm-requests/`` (contract, Resources): models, generate, chat, embed, the log."""

from __future__ import annotations

import uuid
from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.scopes import READ
from apps.llm import selectors, services
from apps.llm.api.serializers import ChatSerializer, EmbedSerializer, GenerateSerializer, LlmRequestSerializer
from apps.llm.embeddings import embed
from apps.llm.models import LlmRequest, LlmStatus
from apps.llm.routing import model_for
from apps.llm.stats import request_stats
from storyportal.api.principal import caller_label
from storyportal.api.views import validated


class ModelsView(APIView):
    """The models pulled on Ollama, the use-case routing (with what is missing) and the
    circuit breaker; 503 while Ollama is unreachable."""

    required_scope = READ

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        models = selectors.model_list()
        return Response(
            {"models": models, "routing": selectors.routing_status(models), "breaker": selectors.breaker_status()}
        )


class _Generating(APIView):
    """Generation costs compute: it needs ``write:services`` and has its own 10/min limit."""

    throttle_scope = "llm_generate"
    kind = "generate"

    def _answer(self, request: Request, data: dict[str, Any]) -> Response:
        caller = caller_label(request)
        if data["stream"]:
            fields = {key: data.get(key) for key in ("prompt", "messages", "system", "format", "options")}
            return self._stream(request, data, services.payload_of(self.kind, **fields), caller)
        common = {
            "caller": caller, "user": request.user, "model": data.get("model"), "use_case": data["use_case"],
            "format": data.get("format"), "options": data.get("options"),
        }  # fmt: skip
        if self.kind == "chat":
            return Response(services.chat(messages=data["messages"], **common).chat_document())
        answer = services.generate(prompt=data["prompt"], system=data.get("system"), **common)
        return Response(answer.generate_document())

    def _stream(self, request: Request, data: dict[str, Any], payload: dict[str, Any], caller: str) -> Response:
        from apps.llm.tasks import stream

        request_id = str(uuid.uuid4())
        model = data.get("model") or model_for(data["use_case"])
        stream.delay(request_id=request_id, user_id=request.user.pk, caller=caller, kind=self.kind,
                     payload=payload, model=model, use_case=data["use_case"])  # fmt: skip
        body = {"request_id": request_id, "status": "queued", "channel": "llm:stream", "model": model}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class GenerateView(_Generating):
    """One completion: 200 with the answer, or with ``"stream": true`` 202 and the tokens on
    your ``llm:stream`` WebSocket channel."""

    @extend_schema(request=GenerateSerializer, responses=dict)
    def post(self, request: Request) -> Response:
        return self._answer(request, validated(GenerateSerializer, request))


class ChatView(_Generating):
    """A chat turn (``messages``); same answers as generate, with ``message`` for ``response``."""

    kind = "chat"

    @extend_schema(request=ChatSerializer, responses=dict)
    def post(self, request: Request) -> Response:
        data = validated(ChatSerializer, request)
        data["messages"] = [dict(m) for m in data["messages"]]
        return self._answer(request, data)


class EmbedView(APIView):
    """Embeddings (cached by content), for reading callers: ``{"model", "embeddings": [[...]]}``."""

    required_scope = READ

    @extend_schema(request=EmbedSerializer, responses=dict)
    def post(self, request: Request) -> Response:
        data = validated(EmbedSerializer, request)
        model = data.get("model") or model_for("embeddings")
        vectors = embed(data["input"], model=model)
        return Response({"model": model, "embeddings": vectors})


class LlmRequestFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(max_length=200)
    status = django_filters.ChoiceFilter(choices=LlmStatus.choices)
    kind = django_filters.ChoiceFilter(choices=[(k, k) for k in ("generate", "chat", "embed")])
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = LlmRequest
        fields = ["model", "status", "kind", "since"]


class LlmRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[LlmRequest]):
    """Every call through the model gateway (prompts are kept as a hash only)."""

    serializer_class = LlmRequestSerializer
    filterset_class = LlmRequestFilter
    ordering_fields = ["created_at", "latency_ms"]
    ordering = ["-created_at"]
    queryset = LlmRequest.objects.all()

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"], filterset_class=None, filter_backends=[])
    def stats(self, request: Request) -> Response:
        """Calls, failures, latency percentiles and tokens per time bucket, and per model."""
        raw = request.query_params.get("minutes", "60")
        minutes = int(raw) if raw.isdigit() else 0
        if not 1 <= minutes <= 1440:
            raise exceptions.ValidationError({"minutes": ["A whole number of minutes from 1 to 1440."]})
        return Response(request_stats(minutes=minutes))
