from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts.api import auth, views

app_name = "accounts-api"

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("api-keys", views.ApiKeyViewSet, basename="api-key")
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    path("auth/token/", auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", auth.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/verify/", auth.TokenVerifyView.as_view(), name="token-verify"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    *router.urls,
]
