"""Template context every control-center page needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

NAVIGATION = (
    ("/", "Dashboard"),
    ("/agents", "Agents"),
    ("/services", "Services"),
    ("/workflows", "Workflows"),
    ("/goals", "Goals"),
    ("/llm", "Models"),
    ("/learning", "Learning"),
    ("/monitoring", "Monitoring"),
    ("/settings/api-keys", "API keys"),
)


def platform(request: HttpRequest) -> dict[str, object]:
    return {"platform_version": settings.VERSION, "navigation": NAVIGATION}
