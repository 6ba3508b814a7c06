from rest_framework.routers import SimpleRouter

from apps.evaluation.api import views

app_name = "evaluation-api"

router = SimpleRouter()
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
