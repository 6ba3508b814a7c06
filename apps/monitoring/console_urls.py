from django.urls import path

from apps.monitoring import views
from storyportal.console.views import coming_page

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "monitoring",
        coming_page(
            title="Monitoring",
            summary="Request rates, latency and error charts, alerts and a live log tail.",
            issue="the goals and monitoring issue",
        ),
        name="monitoring",
    ),
]
