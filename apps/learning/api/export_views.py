"""``learning/export/``: runs or model calls with their feedback, streamed as JSON Lines."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.learning.api.serializers import ExportQuerySerializer
from apps.learning.export import ExportFilter, export_lines

CONTENT_TYPE = "application/x-ndjson"


class JsonErrorsOnly(BaseContentNegotiation):
    """The export's body is always JSON Lines; its errors always the JSON envelope. DRF's
    negotiation would treat ``?format=jsonl`` as a renderer name and answer 404."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ExportView(APIView):
    """Stream ``subject`` (``workflow_runs`` or ``llm_requests``) with the feedback on each row,
    one JSON object per line, oldest first. Filters: ``workflow`` (runs), ``since`` (ISO 8601),
    ``min_score`` (average score at least). Needs ``read:services``."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={(200, CONTENT_TYPE): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines")},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        data = query.validated_data
        spec = ExportFilter(subject=data["subject"], workflow=data.get("workflow"), since=data.get("since"),
                            min_score=data.get("min_score"))  # fmt: skip
        response = StreamingHttpResponse(export_lines(spec), content_type=CONTENT_TYPE)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="{data["subject"]}-{stamp}.jsonl"'
        return response
