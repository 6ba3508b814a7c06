from django.urls import path

from storyportal.console.views import coming_page

urlpatterns = [
    path(
        "",
        coming_page(
            title="Services",
            summary="Search the service catalog, read each service's documentation and invoke its methods.",
            issue="the agent registry and service hub issue",
        ),
        name="services",
    ),
]
