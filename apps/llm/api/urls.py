from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.llm.api import views

app_name = "llm-api"

router = SimpleRouter()
router.register("llm-requests", views.LlmRequestViewSet, basename="llm-request")

urlpatterns = [
    path("llm/models/", views.ModelsView.as_view(), name="llm-models"),
    path("llm/generate/", views.GenerateView.as_view(), name="llm-generate"),
    path("llm/chat/", views.ChatView.as_view(), name="llm-chat"),
    path("llm/embed/", views.EmbedView.as_view(), name="llm-embed"),
    *router.urls,
]
