from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.monitoring.api import views

app_name = "monitoring-api"

router = SimpleRouter()
router.register("monitoring/alerts", views.AlertViewSet, basename="alert")
router.register("monitoring/alert-rules", views.AlertRuleViewSet, basename="alert-rule")

urlpatterns = [
    path("monitoring/summary/", views.SummaryView.as_view(), name="monitoring-summary"),
    *router.urls,
]
