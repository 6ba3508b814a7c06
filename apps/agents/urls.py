"""Control-center routes under ``/agents`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.agents import views

urlpatterns = [
    path("", views.agent_list, name="agents"),
    path("/new", views.agent_new, name="agent-new"),
    path("/<uuid:agent_id>", views.agent_detail, name="agent-detail"),
    path("/<uuid:agent_id>/edit", views.agent_edit, name="agent-edit"),
    path("/<uuid:agent_id>/delete", views.agent_remove, name="agent-delete"),
    # activate, pause or retire (the view answers 404 for anything else)
    path("/<uuid:agent_id>/<slug:action>", views.agent_move, name="agent-move"),
]
