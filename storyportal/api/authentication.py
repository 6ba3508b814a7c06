"""Authentication classes of the API gateway."""

from __future__ import annotations

from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """Django session login (browser UI, browsable API) that answers anonymous callers with
    401 and a challenge rather than DRF's default 403, as the contract asks."""

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
