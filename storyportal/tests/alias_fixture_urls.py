"""A stand-in API module with ``services/`` and ``llm/`` routes, to test the prefix aliases
before the real service hub and model gateway exist."""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

app_name = "fixture-api"


class Echo(APIView):
    def get(self, request: Request, **kwargs: object) -> Response:
        return Response({"view": "echo", "kwargs": kwargs})


urlpatterns = [
    path("services/", Echo.as_view(), name="services"),
    path("services/<str:name>/", Echo.as_view(), name="service"),
    path("llm/generate/", Echo.as_view(), name="generate"),
    path("agents/", Echo.as_view(), name="agents"),
]
