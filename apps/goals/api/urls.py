from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.goals.api import views

app_name = "goals-api"

router = SimpleRouter()
router.register("goals", views.GoalViewSet, basename="goal")

key_results = views.KeyResultViewSet.as_view({"get": "list", "post": "create"})
key_result = views.KeyResultViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    *router.urls,
    path("goals/<str:goal_id>/key-results/", key_results, name="goal-key-result-list"),
    path("goals/<str:goal_id>/key-results/<str:pk>/", key_result, name="goal-key-result-detail"),
]
