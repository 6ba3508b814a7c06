"""Control-center pages of the agent registry: the list, the create and edit forms, the
agent page with its lifecycle buttons and log. Reads go through the selectors, writes
through the services; anyone logged in may look, writes need ``write:services``."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.agents import lifecycle, selectors, services
from apps.agents.forms import AgentFilterForm, AgentForm
from apps.agents.models import Agent
from apps.events.models import Event
from storyportal.api.exceptions import Conflict
from storyportal.console.access import acting, can_write

PAGE_SIZE = 50
LOG_PAGE_SIZE = 25


def _agent(agent_id: UUID) -> Agent:
    return get_object_or_404(selectors.agent_list(), pk=agent_id)


@login_required
@require_GET
def agent_list(request: HttpRequest) -> HttpResponse:
    """Agents with status and layer filters, a search box and pages of 50; the page then
    follows ``events:agent``."""
    filters = AgentFilterForm(request.GET)
    page = Paginator(filters.filter(selectors.agent_list()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "can_write": can_write(request)}
    return render(request, "agents/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agent_new(request: HttpRequest) -> HttpResponse:
    """Register an agent (shown read-only to those who may not)."""
    if request.method == "POST":
        acting(request, "Changing agents")
    form = AgentForm(request.POST if request.method == "POST" else None, read_only=not can_write(request))
    if request.method == "POST" and form.is_valid():
        try:
            agent = services.agent_create(**form.cleaned_data)
        except IntegrityError:
            form.add_duplicate_name_error()
        else:
            messages.success(request, f"Agent “{agent.name}” registered.")
            return redirect("agent-detail", agent_id=agent.id)
    return render(request, "agents/form.html", {"form": form, "agent": None, "can_write": can_write(request)})


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, agent_id: UUID) -> HttpResponse:
    """Change an agent's definition; its status moves only through the lifecycle buttons."""
    agent = _agent(agent_id)
    if request.method == "POST":
        acting(request, "Changing agents")
    form = AgentForm(request.POST if request.method == "POST" else None, agent=agent, read_only=not can_write(request))
    if request.method == "POST" and form.is_valid():
        try:
            agent = services.agent_update(agent=agent, **form.cleaned_data)
        except IntegrityError:
            form.add_duplicate_name_error()
        except Agent.DoesNotExist:
            raise Http404("The agent was deleted meanwhile.") from None
        else:
            messages.success(request, f"Agent “{agent.name}” saved.")
            return redirect("agent-detail", agent_id=agent.id)
    return render(request, "agents/form.html", {"form": form, "agent": agent, "can_write": can_write(request)})


@login_required
@require_GET
def agent_detail(request: HttpRequest, agent_id: UUID) -> HttpResponse:
    """One agent, the lifecycle moves open to it, and its log (newest first)."""
    agent = _agent(agent_id)
    log = Paginator(selectors.agent_logs(agent=agent), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "agent": agent,
        "config": json.dumps(agent.config, indent=2, sort_keys=True, cls=DjangoJSONEncoder),
        "moves": _moves(agent),
        "log": log,
        "entries": [_log_entry(event) for event in log],
        "can_write": can_write(request),
    }
    return render(request, "agents/detail.html", context)


def _moves(agent: Agent) -> list[dict[str, Any]]:
    """Every lifecycle button with the statuses it starts from, so the page can show the
    allowed ones again when the status changes live."""
    allowed = lifecycle.allowed_actions(agent.status)
    return [
        {
            "action": action,
            "label": action.capitalize(),
            "allowed": action in allowed,
            "sources": " ".join(sorted(lifecycle.TRANSITIONS[action][0])),
        }
        for action in lifecycle.API_ACTIONS
    ]


def _log_entry(event: Event) -> dict[str, Any]:
    payload = {key: value for key, value in event.payload.items() if key != "id"}
    return {
        "event": event,
        "actor": event.metadata.get("actor") or "",
        "payload": json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False),
    }


@login_required
@require_POST
def agent_move(request: HttpRequest, agent_id: UUID, action: str) -> HttpResponse:
    """Activate, pause or retire; a move the lifecycle refuses is shown, not raised."""
    if action not in lifecycle.API_ACTIONS:
        raise Http404("No such lifecycle action.")
    acting(request, "Changing agents")
    agent = _agent(agent_id)
    try:
        agent = services.agent_transition(agent=agent, action=action)
    except Conflict as error:
        messages.error(request, error.message)
    except Agent.DoesNotExist:
        raise Http404("The agent was deleted meanwhile.") from None
    else:
        messages.success(request, f"Agent “{agent.name}” is now {agent.status}.")
    return redirect("agent-detail", agent_id=agent.id)


@login_required
@require_POST
def agent_remove(request: HttpRequest, agent_id: UUID) -> HttpResponse:
    """Delete an agent; its history stays in the event store."""
    acting(request, "Changing agents")
    agent = _agent(agent_id)
    services.agent_delete(agent=agent)
    messages.success(request, f"Agent “{agent.name}” deleted.")
    return redirect("agents")
