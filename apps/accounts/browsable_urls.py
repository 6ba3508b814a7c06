"""The browsable API's log in / log out links (namespace ``rest_framework``) go to the
control center's rate-limited login."""

from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import views

app_name = "rest_framework"

urlpatterns = [
    path("login/", views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
