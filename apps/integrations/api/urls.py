from rest_framework.routers import SimpleRouter

from apps.integrations.api import views

app_name = "integrations-api"

router = SimpleRouter()
router.register("webhook-endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
