from django.urls import path

from storyportal.console.views import coming_page

urlpatterns = [
    path(
        "",
        coming_page(
            title="Goals",
            summary="Set goals with key results and follow their progress and analytics.",
            issue="the goals and monitoring issue",
        ),
        name="goals",
    ),
]
