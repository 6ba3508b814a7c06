"""Control-center routes under ``/workflows`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.workflows import views

urlpatterns = [
    path("", views.workflow_list, name="workflows"),
    path("/new", views.workflow_new, name="workflow-new"),
    path("/import", views.workflow_import, name="workflow-import"),
    path("/runs", views.run_list, name="workflow-runs"),
    path("/runs/<uuid:run_id>", views.run_detail, name="workflow-run"),
    path("/runs/<uuid:run_id>/cancel", views.run_cancel, name="workflow-run-cancel"),
    path("/runs/<uuid:run_id>/decide", views.run_decide, name="workflow-run-decide"),
    path("/<uuid:workflow_id>", views.workflow_detail, name="workflow-detail"),
    path("/<uuid:workflow_id>/edit", views.workflow_edit, name="workflow-edit"),
    path("/<uuid:workflow_id>/export", views.workflow_export, name="workflow-export"),
    path("/<uuid:workflow_id>/execute", views.workflow_execute, name="workflow-execute"),
    path("/<uuid:workflow_id>/restore", views.workflow_restore, name="workflow-restore"),
    path("/<uuid:workflow_id>/delete", views.workflow_delete, name="workflow-delete"),
    path("/<uuid:workflow_id>/diff", views.workflow_diff, name="workflow-diff"),
]
