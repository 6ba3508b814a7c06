from django.urls import path

from apps.accounts import console_views

urlpatterns = [
    path("api-keys", console_views.api_keys, name="api-keys"),
    path("api-keys/<uuid:key_id>/revoke", console_views.api_key_revoke, name="api-key-revoke"),
]
