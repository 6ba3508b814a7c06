"""Root URLs: health, metrics, the API gateway and its docs, the control center, the admin."""

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts.views import admin_login
from apps.monitoring.urls import health_urlpatterns
from storyportal.api.metrics import metrics_view
from storyportal.api.root import ApiRootView
from storyportal.api.routes import gateway_urlpatterns

handler404 = "storyportal.api.handlers.not_found"
handler500 = "storyportal.api.handlers.server_error"

urlpatterns = [
    *health_urlpatterns,
    path("metrics", metrics_view, name="metrics"),
    # Browsers ask for /favicon.ico on pages without an icon link (the Django admin's).
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("img/favicon.svg")), name="favicon"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    *gateway_urlpatterns(ApiRootView.as_view()),
    path("api-auth/", include("apps.accounts.browsable_urls")),
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.monitoring.console_urls")),
    path("agents", include("apps.agents.urls")),
    path("services", include("apps.services.urls")),
    path("workflows", include("apps.workflows.urls")),
    path("goals", include("apps.goals.urls")),
    path("llm", include("apps.llm.urls")),
    path("learning", include("apps.learning.urls")),
    path("settings/", include("apps.accounts.console_urls")),
]
