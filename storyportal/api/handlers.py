"""Django's 404/500 handlers: the envelope under /api/, HTML pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from storyportal.api.errors import error_response
from storyportal.api.middleware import is_api_path


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return error_response(404, message="No resource at this path.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return error_response(500, message="The server failed to complete the request; it has been logged.")
    return defaults.server_error(request)
