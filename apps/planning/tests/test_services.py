"""Planning a workflow draft from a goal, fixing it, and deciding on it (services)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.events.models import Event
from apps.llm.errors import ModelUnavailable
from apps.llm.models import LlmRequest
from apps.planning.errors import DraftDecided, WorkflowNameTaken
from apps.planning.models import DraftStatus, WorkflowDraft
from apps.planning.services import draft_accept, draft_reject, draft_update, plan_draft
from apps.planning.tests.support import BAD_GOAL, GOOD_GOAL, GOOD_PLAN
from apps.workflows.errors import DefinitionInvalid
from apps.workflows.models import Workflow
from apps.workflows.services.definitions import workflow_create

pytestmark = pytest.mark.django_db


def _plan(user: Any, goal: str = GOOD_GOAL, **extra: Any) -> WorkflowDraft:
    return plan_draft(goal=goal, user=user, caller=f"user:{user.username}", **extra)


def test_a_good_plan_is_a_valid_draft_with_its_call_and_event(ollama, operator_user) -> None:
    draft = _plan(operator_user)
    assert (draft.status, draft.problems, draft.valid) == (DraftStatus.DRAFT, {}, True)
    assert (draft.name, draft.steps, draft.outputs) == ("route-report", GOOD_PLAN["steps"], GOOD_PLAN["outputs"])
    assert draft.model == "mistral:7b"
    call = LlmRequest.objects.get(pk=draft.llm_request_id)
    assert (call.use_case, call.caller) == ("code", "user:otto")
    event = Event.objects.get(aggregate_id=draft.id)
    assert (event.aggregate_type, event.event_type, event.payload["steps"]) == ("WorkflowDraft", "WorkflowDrafted", 2)


def test_the_prompt_offers_the_catalog_and_the_answer_is_held_to_a_schema(ollama, operator_user) -> None:
    _plan(operator_user)
    (body,) = [body for path, body in ollama.requests if path == "/api/generate"]
    for offered in ("RouteTable", "routes()", "http_request(", GOOD_GOAL):
        assert offered in body["prompt"]
    kinds = body["format"]["properties"]["steps"]["items"]["anyOf"]
    assert [k["properties"]["kind"]["const"] for k in kinds] == ["service", "tool", "llm", "approval", "condition",
                                                                  "wait"]  # fmt: skip
    assert "RouteTable" in kinds[0]["properties"]["service"]["enum"]
    assert "json_transform" in kinds[1]["properties"]["tool"]["enum"]


def test_the_schema_alone_gives_a_draft_even_without_a_canned_plan(ollama, operator_user) -> None:
    draft = _plan(operator_user, goal="something nobody planned for")
    assert draft.status == DraftStatus.DRAFT
    assert len(draft.steps) == 1  # the stand-in's minimal instance of the schema


def test_a_bad_plan_keeps_its_problems_and_is_accepted_only_once_fixed(ollama, operator_user) -> None:
    draft = _plan(operator_user, goal=BAD_GOAL, name="mine")
    assert draft.name == "mine"
    assert draft.valid is False
    assert "list_routes" in draft.problems["steps.routes"][0]
    with pytest.raises(DefinitionInvalid) as refused:
        draft_accept(draft=draft, user=operator_user)
    assert "steps.routes" in (refused.value.details or {})
    assert not Workflow.objects.exists()
    still = draft_update(draft=draft, steps=[{**GOOD_PLAN["steps"][1], "depends_on": []}], outputs={})
    assert still.valid is True
    accepted = draft_accept(draft=still, user=operator_user, name="fixed")
    assert (accepted.status, accepted.decided_by, accepted.workflow.name) == ("accepted", operator_user, "fixed")
    assert accepted.workflow.steps == still.steps
    with pytest.raises(DraftDecided):
        draft_reject(draft=accepted, user=operator_user)
    with pytest.raises(DraftDecided):
        draft_update(draft=accepted, name="late")
    events = Event.objects.filter(aggregate_id=draft.id).order_by("sequence_number")
    types = list(events.values_list("event_type", flat=True))
    assert types == ["WorkflowDrafted", "WorkflowDraftUpdated", "WorkflowDraftAccepted"]


def test_an_answer_that_is_not_json_is_a_problem_not_an_error(ollama, operator_user) -> None:
    ollama.reply("a plan in prose", "First, list the agents. Then...")
    draft = _plan(operator_user, goal="a plan in prose")
    assert draft.steps == []
    assert "not JSON" in draft.problems["answer"][0]


def test_accepting_under_a_taken_name_is_refused(ollama, operator_user) -> None:
    workflow_create(name="route-report", steps=[{**GOOD_PLAN["steps"][1], "depends_on": []}])
    draft = _plan(operator_user)
    with pytest.raises(WorkflowNameTaken):
        draft_accept(draft=draft, user=operator_user)
    assert draft_accept(draft=draft, user=operator_user, name="route-report-2").workflow is not None


def test_a_rejected_draft_stays_readable(ollama, operator_user) -> None:
    draft = draft_reject(draft=_plan(operator_user), user=operator_user)
    assert (draft.status, draft.workflow) == (DraftStatus.REJECTED, None)
    with pytest.raises(DraftDecided):
        draft_accept(draft=draft, user=operator_user)


def test_ollama_down_makes_no_draft(ollama, operator_user) -> None:
    ollama.down()
    with pytest.raises(ModelUnavailable):
        _plan(operator_user)
    assert not WorkflowDraft.objects.exists()
