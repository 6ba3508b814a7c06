"""Control-center routes under ``/llm`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.llm import views

urlpatterns = [
    path("", views.playground, name="llm"),
    path("/requests", views.request_log, name="llm-requests"),
]
