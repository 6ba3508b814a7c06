from django.urls import path

from storyportal.console.views import coming_page

urlpatterns = [
    path(
        "",
        coming_page(
            title="Agents",
            summary="Register agents, move them through their lifecycle and read their logs.",
            issue="the agent registry and service hub issue",
        ),
        name="agents",
    ),
]
