from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.learning.api import export_views, views

app_name = "learning-api"

router = SimpleRouter()
router.register("feedback", views.FeedbackViewSet, basename="feedback")
router.register("prompt-templates", views.PromptTemplateViewSet, basename="prompt-template")

urlpatterns = [
    *router.urls,
    path("learning/export/", export_views.ExportView.as_view(), name="learning-export"),
]
