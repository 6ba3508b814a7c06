from rest_framework.routers import SimpleRouter

from apps.events.api import views

app_name = "events-api"

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
