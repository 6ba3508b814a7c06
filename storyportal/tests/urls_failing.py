"""A URLconf with views that fail, to see what clients get when code breaks."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from storyportal.api.exceptions import Conflict


def broken_plain(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


@api_view(["GET", "POST"])
@permission_classes([AllowAny])
def broken_api(request: Request) -> Response:
    raise RuntimeError("secret internals: password=hunter2")


@api_view(["POST"])
@permission_classes([AllowAny])
def echo(request: Request) -> Response:
    return Response({"received": request.data})


@api_view(["POST"])
@permission_classes([AllowAny])
def conflicting(request: Request) -> Response:
    raise Conflict("Agent is retired.", details={"status": "retired"})


@api_view(["GET"])
def private(request: Request) -> Response:
    return Response({"ok": True})


urlpatterns = [
    path("api/v1/broken-plain/", broken_plain),
    path("api/v1/broken/", broken_api),
    path("api/v1/echo/", echo),
    path("api/v1/conflict/", conflicting),
    path("api/v1/private/", private),
    path("", include("storyportal.urls")),
]

handler404 = "storyportal.api.handlers.not_found"
handler500 = "storyportal.api.handlers.server_error"
