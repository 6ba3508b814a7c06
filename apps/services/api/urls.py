from django.urls import path

from apps.services.api import views

app_name = "services-api"

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="service-list"),
    path("services/invoke/", views.ServiceInvokeView.as_view(), name="service-invoke"),
    path("services/search/", views.ServiceSearchView.as_view(), name="service-search"),
    path("services/<str:name>/", views.ServiceDetailView.as_view(), name="service-detail"),
]
