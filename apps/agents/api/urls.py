from rest_framework.routers import SimpleRouter

from apps.agents.api import views

app_name = "agents-api"

router = SimpleRouter()
router.register("agents", views.AgentViewSet, basename="agent")

urlpatterns = router.urls
