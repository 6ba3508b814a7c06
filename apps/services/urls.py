"""Control-center routes under ``/services`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.services import views

urlpatterns = [
    path("", views.service_list_page, name="services"),
    path("/<str:name>", views.service_page, name="service-page"),
    path("/<str:name>/try/<str:method>", views.service_try, name="service-try"),
]
