"""Filter backends shared by every list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters
from rest_framework.request import Request

_TERM = re.compile(r"-?\w+")


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` that answers 400 for a field it cannot order by, rather than silently
    ignoring it as DRF does: a client that mistypes a field should hear about it."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Sequence[str] | None:
        params = request.query_params.get(self.ordering_param)
        if params:
            requested = [term.strip() for term in params.split(",") if term.strip()]
            allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in requested if not _TERM.fullmatch(term) or term.removeprefix("-") not in allowed]
            if unknown:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown)}; use one of {', '.join(sorted(allowed))}."
                        ]
                    }
                )
            return requested
        return self.get_default_ordering(view)


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the view's filters: building
    a FilterSet and its form costs more than the rest of a small list request."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = set(filterset_class.base_filters)
        if not any(param in names for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
