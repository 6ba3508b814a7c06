from django.urls import path

from storyportal.console.views import coming_page

urlpatterns = [
    path(
        "",
        coming_page(
            title="Workflows",
            summary="Design versioned workflows, run them on workers and follow their progress live.",
            issue="the workflows and tool execution issue",
        ),
        name="workflows",
    ),
]
