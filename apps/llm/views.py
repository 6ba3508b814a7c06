"""Control-center pages of the model gateway: the playground (``/llm``), which streams a
generation from the API over the caller's ``llm:stream`` channel, and the request log
(``/llm/requests``) with its latency and token charts. Anyone logged in may look;
generating costs compute, so it needs ``write:services`` (the API enforces it too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.llm import selectors
from apps.llm.errors import ModelGatewayError
from apps.llm.models import LlmRequest, LlmStatus
from storyportal.console.access import can_write

PAGE_SIZE = 50
KINDS = ("generate", "chat", "embed")
EMBEDDINGS = "embeddings"
CHART_WINDOWS = ((60, "Last hour"), (360, "Last 6 hours"), (1440, "Last 24 hours"))


# --- the playground ----------------------------------------------------------------------------


def _ollama_state() -> tuple[list[dict[str, Any]], str]:
    """The pulled models, or none and why Ollama could not say."""
    try:
        models = selectors.model_list()
    except ModelGatewayError as error:
        return [], error.message
    for model in models:
        stamp = model.get("modified_at")
        model["modified"] = datetime.fromisoformat(stamp).astimezone(UTC) if stamp else None
    return models, ""


def _model_choices(models: list[dict[str, Any]], routing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every model one may generate with: the routed ones first (missing ones marked), then the
    other pulled ones. The embedding model cannot generate, so it is left out."""
    embedder = next((row["model"] for row in routing if row["use_case"] == EMBEDDINGS), None)
    choices: dict[str, dict[str, Any]] = {}
    for row in routing:
        if row["use_case"] != EMBEDDINGS and row["model"]:
            entry = choices.setdefault(row["model"], {"name": row["model"], "pulled": row["pulled"], "use_cases": []})
            entry["use_cases"].append(row["use_case"])
    routed = {row["model"] for row in routing} | {f"{name}:latest" for name in choices}
    for model in models:
        if model["name"] not in routed and model["name"] not in (embedder, f"{embedder}:latest"):
            choices[model["name"]] = {"name": model["name"], "pulled": True, "use_cases": []}
    return list(choices.values())


@login_required
@require_GET
def playground(request: HttpRequest) -> HttpResponse:
    """Try a model: pick one (or a use case), prompt it and watch the answer stream in."""
    models, unreachable = _ollama_state()
    routing = selectors.routing_status(models)
    context = {
        "models": models,
        "routing": routing,
        "unreachable": unreachable,
        # With Ollama unreachable nothing is known to be missing: the banner says why instead.
        "missing": [] if unreachable else [row for row in routing if not row["pulled"]],
        "choices": _model_choices(models, routing),
        "use_cases": [row for row in routing if row["use_case"] != EMBEDDINGS],
        "breaker": selectors.breaker_status(),
        "ollama_url": settings.OLLAMA_URL,
        "can_write": can_write(request),
    }
    return render(request, "llm/playground.html", context)


# --- the request log ---------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    """The log's filters, as the API's ``llm-requests/`` names them."""

    model = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *LlmStatus.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *((kind, kind) for kind in KINDS)])

    def __init__(self, data: Any, *, models: list[str]) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", "Any model"), *((m, m) for m in models)]

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    def filter(self, requests: QuerySet[LlmRequest]) -> QuerySet[LlmRequest]:
        if not self.is_valid():
            return requests.none()
        chosen = {field: value for field, value in self.cleaned_data.items() if value}
        return requests.filter(**chosen)


@login_required
@require_GET
def request_log(request: HttpRequest) -> HttpResponse:
    """Every call through the gateway, newest first, with latency and token charts."""
    logged_models = list(LlmRequest.objects.order_by("model").values_list("model", flat=True).distinct())
    filters = RequestFilterForm(request.GET, models=logged_models)
    requests = filters.filter(LlmRequest.objects.order_by("-created_at"))
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "windows": CHART_WINDOWS}
    return render(request, "llm/requests.html", context)
