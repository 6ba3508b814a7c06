"""Control-center routes under ``/goals`` (the root URLconf adds the prefix, without a slash)."""

from django.urls import path

from apps.goals import views

urlpatterns = [
    path("", views.goal_list, name="goals"),
    path("/new", views.goal_new, name="goal-new"),
    path("/<uuid:goal_id>", views.goal_detail, name="goal-detail"),
    path("/<uuid:goal_id>/edit", views.goal_edit, name="goal-edit"),
    path("/<uuid:goal_id>/delete", views.goal_delete, name="goal-delete"),
    path("/<uuid:goal_id>/<str:move>", views.goal_move, name="goal-move"),
    path("/<uuid:goal_id>/key-results/add", views.key_result_add, name="goal-key-result-add"),
    path("/<uuid:goal_id>/key-results/<uuid:result_id>/value", views.key_result_value, name="goal-key-result-value"),
    path("/<uuid:goal_id>/key-results/<uuid:result_id>/delete", views.key_result_delete, name="goal-key-result-delete"),
]
