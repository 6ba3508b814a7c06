"""``services/`` discovery (contract, Resources; spec 4.3): the spec's shape, not a page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.scopes import READ
from apps.agents.models import LAYER_CODES as _CODES
from apps.services import selectors
from apps.services.invocation import InvocationError, invoke
from apps.services.registry import Caller
from apps.services.search import MAX_RESULTS
from storyportal.api.errors import envelope
from storyportal.api.principal import caller_scopes
from storyportal.api.throttling import client_id
from storyportal.api.views import validated

LAYER_CODES = list(_CODES)


class ServiceListView(APIView):
    """Every available service with its methods and live health; ``?layer=L01`` filters."""

    @extend_schema(
        operation_id="services_list", parameters=[OpenApiParameter("layer", str, enum=LAYER_CODES)], responses=dict
    )
    def get(self, request: Request) -> Response:
        layer = request.query_params.get("layer")
        if layer is not None and layer not in LAYER_CODES:
            raise exceptions.ValidationError({"layer": [f"Unknown layer; use one of {', '.join(LAYER_CODES)}."]})
        statuses = selectors.dependency_statuses()
        services = [
            selectors.service_document(row, selectors.service_health(row, statuses))
            for row in selectors.service_list(layer=layer)
        ]
        return Response({"total": len(services), "services": services})


class ServiceDetailView(APIView):
    """One service with its documentation: methods, params and result schemas, dependencies."""

    @extend_schema(responses=dict)
    def get(self, request: Request, name: str) -> Response:
        row = selectors.service_list().filter(name=name).first()
        if row is None:
            raise exceptions.NotFound(f"No service named {name}.")
        health = selectors.service_health(row, selectors.dependency_statuses())
        body = selectors.service_document(row, health)
        body["methods"] = row.methods
        body["dependencies"] = row.dependencies
        return Response(body)


class InvokeSerializer(serializers.Serializer[Any]):
    service_name = serializers.CharField(max_length=100)
    method = serializers.CharField(max_length=100)
    params = serializers.DictField(required=False, default=dict)


class ServiceInvokeView(APIView):
    """Run a service method. Reading methods need ``read:services``, writing ones
    ``write:services``; params are checked against the method's JSON Schema (400)."""

    required_scope = READ

    @extend_schema(request=InvokeSerializer, responses=dict)
    def post(self, request: Request) -> Response:
        data = validated(InvokeSerializer, request)
        caller = Caller(user=request.user, scopes=caller_scopes(request), client=client_id(request))
        try:
            call = invoke(
                service_name=data["service_name"], method_name=data["method"], params=data["params"], caller=caller
            )
        except InvocationError as exc:
            return Response(
                envelope(exc.status, code=exc.code, message=exc.message, details=exc.details), status=exc.status
            )
        return Response(
            {
                "invocation_id": str(call.invocation_id),
                "service_name": data["service_name"],
                "method": data["method"],
                "result": call.result,
                "duration_ms": call.duration_ms,
            }
        )


class SearchQuerySerializer(serializers.Serializer[Any]):
    q = serializers.CharField(max_length=200, trim_whitespace=True)
    limit = serializers.IntegerField(min_value=1, required=False, default=MAX_RESULTS)


class ServiceSearchView(APIView):
    """Find services by name, method or description, tolerating typos (``agnt regstry``)."""

    throttle_scope = "search"

    @extend_schema(parameters=[SearchQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q, limit = query.validated_data["q"], min(query.validated_data["limit"], MAX_RESULTS)
        hits, meaning = selectors.service_search(q, limit=limit)
        body = {"query": q, "total": len(hits), "results": [hit.document() for hit in hits], "semantic": meaning.status}
        if meaning.reason:
            body["semantic_reason"] = meaning.reason
        return Response(body)
