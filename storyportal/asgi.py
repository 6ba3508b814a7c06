"""ASGI entry point: HTTP and the WebSocket feed (``/ws/feed/``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from storyportal.api.asgi import BodySizeLimit  # noqa: E402
from storyportal.realtime.auth import TokenAuthMiddleware  # noqa: E402
from storyportal.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),  # type: ignore[arg-type]
        # Session cookie first, then ?token=<jwt> or ?api_key=... override it when given.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
