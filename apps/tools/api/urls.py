from rest_framework.routers import SimpleRouter

from apps.tools.api import views

app_name = "tools-api"

router = SimpleRouter()
router.register("tools", views.ToolViewSet, basename="tool")
router.register("tool-executions", views.ToolExecutionViewSet, basename="tool-execution")

urlpatterns = router.urls
