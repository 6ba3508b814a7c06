"""``GET /api/v1/``: where everything is, for people exploring the browsable API."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from storyportal.api.routes import layer_resources


class ApiRootView(APIView):
    """The resources of the v1 API, the layer routes and the documentation."""

    required_scope = None
    schema = None  # a map of links, not a resource

    def get(self, request: Request) -> Response:
        base = reverse("v1:root", request=request)
        resources = sorted({name for names in layer_resources().values() for name in names} - {"auth"})
        return Response(
            {
                "resources": {name: f"{base}{name}/" for name in resources},
                "layers": {code.lower(): names for code, names in sorted(layer_resources().items())},
                "auth": {"token": f"{base}auth/token/", "refresh": f"{base}auth/token/refresh/"},
                "schema": reverse("schema", request=request),
                "docs": reverse("swagger-ui", request=request),
                "redoc": reverse("redoc", request=request),
            }
        )
