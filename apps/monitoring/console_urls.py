from django.urls import path

from apps.monitoring import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("monitoring", views.monitoring, name="monitoring"),
    path("monitoring/alerts/<uuid:alert_id>/acknowledge", views.acknowledge, name="monitoring-acknowledge"),
]
