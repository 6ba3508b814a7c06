"""The production URLs plus two views the gateway's cost is measured against:

- ``bench/bare/``: DRF with no authentication, permission or throttle;
- ``bench/gated/``: the same view behind the gateway's defaults (authentication, scope
  permission, throttle), so ``gated - bare`` is what the gateway itself costs.
"""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from storyportal import urls as production

handler404 = production.handler404
handler500 = production.handler500


class BareView(APIView):
    """DRF's request/response cycle and JSON rendering, nothing of the gateway."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class GatedView(APIView):
    """The same response behind the gateway's default authentication, permission and throttle."""

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare/", BareView.as_view(), name="bench-bare"),
    path("bench/gated/", GatedView.as_view(), name="bench-gated"),
    path("", include(production.urlpatterns)),
]
