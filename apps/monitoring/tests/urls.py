"""The site's URLs plus two test-only endpoints: one that fails with a 500 and one that takes
as long as asked. Requests to them pass through every middleware like any other request."""

from __future__ import annotations

import time

from django.http import HttpRequest, JsonResponse
from django.urls import path

from storyportal.urls import handler404, handler500  # noqa: F401 - the URLconf's error handlers
from storyportal.urls import urlpatterns as site


def boom(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("a failure for the error-rate alert test")


def slow(request: HttpRequest) -> JsonResponse:
    time.sleep(float(request.GET.get("ms", "0")) / 1000)
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/test-only/boom/", boom, name="test-boom"),
    path("api/v1/test-only/slow/", slow, name="test-slow"),
    *site,
]
