"""Root URLs: health, the API gateway, the control center, the admin."""

from django.contrib import admin
from django.urls import include, path

from apps.monitoring.urls import health_urlpatterns

handler404 = "storyportal.api.handlers.not_found"
handler500 = "storyportal.api.handlers.server_error"

urlpatterns = [
    *health_urlpatterns,
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.monitoring.console_urls")),
    path("agents", include("apps.agents.urls")),
    path("services", include("apps.services.urls")),
    path("workflows", include("apps.workflows.urls")),
    path("goals", include("apps.goals.urls")),
]
