"""Control-center pages of goal tracking: the list with analytics charts, the create and edit
forms, and the goal page with its key results, status buttons and burn-up chart. Reads go
through the selectors, writes through the services; anyone logged in may look, writes need
``write:services``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.goals import analytics, selectors, services
from apps.goals.forms import GoalFilterForm, GoalForm, KeyResultForm, KeyResultValueForm
from apps.goals.models import Goal, GoalStatus, KeyResult
from storyportal.api.exceptions import DomainError
from storyportal.console.access import acting, can_write

PAGE_SIZE = 50
CHART_DAYS = 30
MOVES = {
    "achieve": (GoalStatus.ACHIEVED, None),
    "abandon": (GoalStatus.ABANDONED, None),
    "reopen": (GoalStatus.IN_PROGRESS, (GoalStatus.ACHIEVED, GoalStatus.ABANDONED)),
}


def _goal(goal_id: UUID) -> Goal:
    return get_object_or_404(selectors.goal_list(), pk=goal_id)


@login_required
@require_GET
def goal_list(request: HttpRequest) -> HttpResponse:
    """Goals with progress bars, filters, and the analytics of the last 30 days."""
    filters = GoalFilterForm(request.GET)
    page = Paginator(filters.filter(selectors.goal_list()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters, "page": page, "can_write": can_write(request),
        "analytics": analytics.goal_analytics(days=CHART_DAYS), "chart_days": CHART_DAYS,
    }  # fmt: skip
    return render(request, "goals/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest) -> HttpResponse:
    """Set a goal with up to three key results."""
    if request.method == "POST":
        acting(request, "Changing goals")
    form = GoalForm(request.POST if request.method == "POST" else None, with_key_results=True)
    if request.method == "POST" and form.is_valid():
        goal = services.goal_create(
            owner=request.user, key_results=form.cleaned_data["key_results"], **form.goal_fields()
        )
        messages.success(request, f"Goal “{goal.title}” set.")
        return redirect("goal-detail", goal_id=goal.id)
    return render(request, "goals/form.html", {"form": form, "goal": None, "can_write": can_write(request)})


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, goal_id: UUID) -> HttpResponse:
    goal = _goal(goal_id)
    if request.method == "POST":
        acting(request, "Changing goals")
        form = GoalForm(request.POST, goal=goal)
        if form.is_valid():
            services.goal_update(goal=goal, **form.goal_fields())
            messages.success(request, "Goal saved.")
            return redirect("goal-detail", goal_id=goal.id)
    else:
        initial = {"title": goal.title, "description": goal.description, "target_date": goal.target_date,
                   "workflows": list(goal.workflows.all())}  # fmt: skip
        form = GoalForm(initial=initial, goal=goal)
    return render(request, "goals/form.html", {"form": form, "goal": goal, "can_write": can_write(request)})


@login_required
@require_GET
def goal_detail(request: HttpRequest, goal_id: UUID) -> HttpResponse:
    """The goal, its key results with value forms, status buttons and its burn-up chart."""
    goal = _goal(goal_id)
    history = [
        {"t": point.recorded_at.isoformat(), "progress": point.progress, "status": point.status}
        for point in selectors.goal_history(goal=goal)
    ]
    burn_up: dict[str, Any] = {
        "points": history,
        "created_at": goal.created_at.isoformat(),
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
    }
    context = {
        "goal": goal, "can_write": can_write(request), "burn_up": burn_up,
        "results": [(result, KeyResultValueForm(initial={"current_value": result.current_value}))
                    for result in goal.key_results.all()],
        "add_form": KeyResultForm(prefix="new"), "moves": _moves(goal),
    }  # fmt: skip
    return render(request, "goals/detail.html", context)


def _moves(goal: Goal) -> list[str]:
    """The status buttons that make sense from where the goal is."""
    if goal.status in (GoalStatus.ACHIEVED, GoalStatus.ABANDONED):
        return ["reopen"]
    return ["achieve", "abandon"]


@login_required
@require_POST
def goal_move(request: HttpRequest, goal_id: UUID, move: str) -> HttpResponse:
    acting(request, "Changing goals")
    goal = _goal(goal_id)
    if move not in MOVES:
        raise Http404(f"No move {move}: achieve, abandon or reopen.")
    status, only_from = MOVES[move]
    try:
        services.goal_move(goal=goal, status=status, only_from=only_from)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Goal now {GoalStatus(status).label.lower()}.")
    return redirect("goal-detail", goal_id=goal.id)


@login_required
@require_POST
def goal_delete(request: HttpRequest, goal_id: UUID) -> HttpResponse:
    acting(request, "Changing goals")
    goal = _goal(goal_id)
    services.goal_delete(goal=goal)
    messages.success(request, f"Goal “{goal.title}” deleted; its history stays in the event store.")
    return redirect("goals")


def _result(goal: Goal, result_id: UUID) -> KeyResult:
    return get_object_or_404(KeyResult.objects.all(), pk=result_id, goal=goal)


@login_required
@require_POST
def key_result_value(request: HttpRequest, goal_id: UUID, result_id: UUID) -> HttpResponse:
    acting(request, "Changing goals")
    goal = _goal(goal_id)
    result = _result(goal, result_id)
    form = KeyResultValueForm(request.POST)
    if form.is_valid():
        services.key_result_update(result=result, current_value=form.cleaned_data["current_value"])
        messages.success(request, f"“{result.title}” updated.")
    else:
        messages.error(request, f"“{result.title}”: enter a number.")
    return redirect("goal-detail", goal_id=goal.id)


@login_required
@require_POST
def key_result_add(request: HttpRequest, goal_id: UUID) -> HttpResponse:
    acting(request, "Changing goals")
    goal = _goal(goal_id)
    form = KeyResultForm(request.POST, prefix="new")
    if form.is_valid():
        services.key_result_add(goal=goal, **form.cleaned_data)
        messages.success(request, f"Key result “{form.cleaned_data['title']}” added.")
        return redirect("goal-detail", goal_id=goal.id)
    errors = "; ".join(f"{name}: {' '.join(map(str, problems))}" for name, problems in form.errors.items())
    messages.error(request, f"Key result not added ({errors}).")
    return redirect("goal-detail", goal_id=goal.id)


@login_required
@require_POST
def key_result_delete(request: HttpRequest, goal_id: UUID, result_id: UUID) -> HttpResponse:
    acting(request, "Changing goals")
    goal = _goal(goal_id)
    result = _result(goal, result_id)
    services.key_result_delete(result=result)
    messages.success(request, f"Key result “{result.title}” removed.")
    return redirect("goal-detail", goal_id=goal.id)
