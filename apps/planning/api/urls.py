from rest_framework.routers import SimpleRouter

from apps.planning.api import views

app_name = "planning-api"

router = SimpleRouter()
router.register("planner/drafts", views.WorkflowDraftViewSet, basename="planner-draft")

urlpatterns = router.urls
