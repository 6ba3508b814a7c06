"""The API gateway's route table (contract, Gateway behaviour; spec 4.2).

Every app's API module is served under ``/api/v1/``. Layer routes ``/api/lNN/`` reach the
same views for the modules that belong to that layer, and ``/api/services/``,
``/api/workflows/``, ``/api/llm/`` reach the ``/api/v1/`` resources of the same name.
Registering a module here is all a new capability needs to be routed, documented and
protected (the default permission and throttle classes apply to its views).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from django.urls import URLPattern, URLResolver, include, path

from apps.monitoring.health.layers import LAYERS


@dataclass(frozen=True)
class ApiModule:
    """An app's ``api/urls.py`` and the layers whose prefix also reaches it."""

    module: str
    layers: tuple[str, ...]

    def load(self) -> ModuleType:
        return import_module(self.module)


API_MODULES: tuple[ApiModule, ...] = (
    ApiModule("apps.accounts.api.urls", layers=("L01", "L09")),
    ApiModule("apps.events.api.urls", layers=("L01",)),
    ApiModule("apps.agents.api.urls", layers=("L01", "L02")),
    ApiModule("apps.services.api.urls", layers=("L12",)),
    ApiModule("apps.tools.api.urls", layers=("L03",)),
    ApiModule("apps.workflows.api.urls", layers=("L02", "L05")),
    ApiModule("apps.llm.api.urls", layers=("L04",)),
    ApiModule("apps.integrations.api.urls", layers=("L11",)),
    ApiModule("apps.planning.api.urls", layers=("L05",)),
    ApiModule("apps.evaluation.api.urls", layers=("L06",)),
    ApiModule("apps.learning.api.urls", layers=("L07",)),
    ApiModule("apps.goals.api.urls", layers=("L05", "L12")),
    ApiModule("apps.monitoring.api.urls", layers=("L10", "L12")),
)
# /api/<name>/... is /api/v1/<name>/...
PREFIX_ALIASES = ("services", "workflows", "llm")
LAYER_CODES = tuple(layer.code for layer in LAYERS)


def _includes(modules: list[ApiModule]) -> list[URLResolver]:
    return [path("", include(api.module)) for api in modules]


def _route_text(pattern: URLPattern | URLResolver) -> str:
    return str(pattern.pattern).lstrip("^")


def _alias_patterns(name: str, modules: tuple[ApiModule, ...]) -> list[URLResolver]:
    """The patterns of every module whose routes start with ``name/``, under their own
    namespace so that reverse() of ``services-api:...`` keeps meaning ``/api/v1/``."""
    found: list[URLResolver] = []
    for api in modules:
        module = api.load()
        matching = [p for p in module.urlpatterns if _route_text(p).startswith(f"{name}/")]
        if matching:
            found.append(path("", include((matching, module.app_name))))
    return found


def gateway_urlpatterns(root_view: Any, modules: tuple[ApiModule, ...] = API_MODULES) -> list[URLResolver]:
    """``/api/v1/``, ``/api/lNN/`` and the prefix aliases."""
    patterns = [
        path(
            "api/v1/",
            include(([path("", root_view, name="root"), *_includes(list(modules))], "api"), namespace="v1"),
        )
    ]
    for code in LAYER_CODES:
        in_layer = [api for api in modules if code in api.layers]
        if in_layer:
            patterns.append(path(f"api/{code.lower()}/", include((_includes(in_layer), "api"), namespace=code.lower())))
    for alias in PREFIX_ALIASES:
        aliased = _alias_patterns(alias, modules)
        if aliased:
            patterns.append(path("api/", include((aliased, "api"), namespace=f"alias-{alias}")))
    return patterns


def layer_resources() -> dict[str, list[str]]:
    """What each layer prefix reaches, for docs and the API root."""
    table: dict[str, list[str]] = {}
    for api in API_MODULES:
        routes = sorted({_route_text(p).split("/")[0] for p in api.load().urlpatterns})
        for code in api.layers:
            table[code] = sorted({*table.get(code, []), *routes})
    return table
