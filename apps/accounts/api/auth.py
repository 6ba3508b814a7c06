"""JWT endpoints (contract: ``auth/token/``, ``refresh/``, ``verify/``) plus ``logout/``, which
blacklists a refresh token. They are the gateway's only public endpoints besides the docs."""

from __future__ import annotations

from rest_framework_simplejwt import views


class TokenObtainView(views.TokenObtainPairView):
    """Trade a username and password for an access token (1 h) and a refresh token (7 d)."""

    throttle_scope = "auth"


class TokenRefreshView(views.TokenRefreshView):
    """A new access token and a rotated refresh token; the old refresh token is blacklisted."""

    throttle_scope = "auth"


class TokenVerifyView(views.TokenVerifyView):
    """200 when the token is valid, 401 when not."""


class LogoutView(views.TokenBlacklistView):
    """Blacklist a refresh token so it can never be used again."""
