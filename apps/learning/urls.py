"""Control-center routes under ``/learning`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.learning import views

urlpatterns = [
    path("", views.template_list, name="learning"),
    path("/new", views.template_new, name="prompt-template-new"),
    path("/feedback", views.feedback_list, name="learning-feedback"),
    path("/export", views.export, name="learning-export"),
    path("/<uuid:template_id>", views.template_detail, name="prompt-template"),
    path("/<uuid:template_id>/versions", views.version_save, name="prompt-template-version"),
    path("/<uuid:template_id>/feedback", views.version_feedback, name="prompt-template-feedback"),
]
