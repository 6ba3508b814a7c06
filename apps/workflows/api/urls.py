from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.workflows.api import trigger_views, views

app_name = "workflows-api"

router = SimpleRouter()
router.register("workflows", views.WorkflowViewSet, basename="workflow")
router.register("workflow-runs", views.WorkflowRunViewSet, basename="workflow-run")
router.register("workflow-schedules", trigger_views.ScheduleViewSet, basename="workflow-schedule")
router.register("workflow-webhooks", trigger_views.WebhookTriggerViewSet, basename="workflow-webhook")

urlpatterns = [
    *router.urls,
    path("hooks/<str:token>/", trigger_views.HookReceiveView.as_view(), name="hook-receive"),
]
