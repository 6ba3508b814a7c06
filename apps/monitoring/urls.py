"""Health routes at the site root and per layer under /api/lNN/ (a trailing slash is optional)."""

from django.urls import re_path

from apps.monitoring.api import health_views

health_urlpatterns = [
    re_path(r"^health/live/?$", health_views.live, name="health-live"),
    re_path(r"^health/ready/?$", health_views.ready, name="health-ready"),
    re_path(r"^health/startup/?$", health_views.startup, name="health-startup"),
    re_path(r"^api/health/?$", health_views.ready, name="api-health"),
    re_path(r"^api/v1/layers/$", health_views.layers, name="layers"),
    re_path(
        r"^api/(?P<layer>l(?:0[1-7]|09|1[0-2]))/health/(?P<probe>live|ready|startup)/?$",
        health_views.layer_probe,
        name="layer-health",
    ),
]
