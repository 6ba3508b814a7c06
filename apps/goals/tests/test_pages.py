"""The /goals pages: list with analytics, create with key results, the goal page, moves and
key result updates; read-only for viewers."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.goals.models import Goal, KeyResult
from apps.goals.services import goal_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_pages_need_login() -> None:
    response = Client().get("/goals")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_goals_progress_and_analytics(viewer_client: Client, operator_user) -> None:
    result = {"title": "p95", "start_value": 800, "target_value": 200, "current_value": 500}
    goal_create(title="Cut latency", owner=operator_user, key_results=[result])
    page = viewer_client.get("/goals")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cut latency" in html
    assert 'value="50"' in html  # its progress bar
    assert 'data-testid="goals-total">1<' in html
    assert 'id="goal-days"' in html
    assert "New goal" not in html  # viewers cannot write
    assert "Cut latency" not in viewer_client.get("/goals", {"status": "achieved"}).content.decode()


def test_create_with_key_results_then_update_one(operator_client: Client) -> None:
    form = {"title": "Onboard", "description": "", "target_date": "2031-05-01",
            "kr1_title": "agents", "kr1_start": "0", "kr1_target": "4", "kr1_unit": "agents"}  # fmt: skip
    response = operator_client.post("/goals/new", form)
    goal = Goal.objects.get(title="Onboard")
    assert response.status_code == 302
    assert response["Location"] == f"/goals/{goal.id}"
    result = KeyResult.objects.get(goal=goal)
    page = operator_client.get(f"/goals/{goal.id}").content.decode()
    assert "agents" in page
    assert 'id="goal-burnup"' in page
    operator_client.post(f"/goals/{goal.id}/key-results/{result.id}/value", {"current_value": "2"})
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (50, "in_progress")
    operator_client.post(f"/goals/{goal.id}/achieve")
    goal.refresh_from_db()
    assert goal.status == "achieved"
    operator_client.post(f"/goals/{goal.id}/achieve")  # again: refused with a message, not a 500
    assert "cannot become achieved" in operator_client.get(f"/goals/{goal.id}").content.decode()


def test_bad_input_is_shown_next_to_the_field(operator_client: Client) -> None:
    response = operator_client.post("/goals/new", {"title": "", "kr1_title": "x", "kr1_start": "5", "kr1_target": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="title"' in html
    assert "The target must differ from the start." in html
    assert not Goal.objects.exists()


def test_key_results_added_and_removed(operator_client: Client, operator_user) -> None:
    goal = goal_create(title="g", owner=operator_user)
    added = {"new-title": "calls", "new-start_value": "0", "new-target_value": "10", "new-unit": ""}
    operator_client.post(f"/goals/{goal.id}/key-results/add", added)
    result = KeyResult.objects.get(goal=goal)
    operator_client.post(f"/goals/{goal.id}/key-results/add", {"new-title": "bad", "new-start_value": "1",
                                                                "new-target_value": "1"})  # fmt: skip
    assert KeyResult.objects.filter(goal=goal).count() == 1
    operator_client.post(f"/goals/{goal.id}/key-results/{result.id}/delete")
    assert not KeyResult.objects.filter(goal=goal).exists()


def test_viewers_cannot_write(viewer_client: Client, operator_user) -> None:
    goal = goal_create(title="g", owner=operator_user)
    assert viewer_client.post("/goals/new", {"title": "t"}).status_code == 403
    assert viewer_client.post(f"/goals/{goal.id}/achieve").status_code == 403
    assert viewer_client.post(f"/goals/{goal.id}/delete").status_code == 403
    assert "Edit" not in viewer_client.get(f"/goals/{goal.id}").content.decode().split("Key results")[0]
    goal.refresh_from_db()
    assert goal.status == "open"


def test_unknown_goal_is_404(viewer_client: Client) -> None:
    assert viewer_client.get("/goals/00000000-0000-0000-0000-000000000000").status_code == 404


def test_unknown_move_is_404(operator_client: Client, operator_user) -> None:
    goal = goal_create(title="g", owner=operator_user)
    assert operator_client.post(f"/goals/{goal.id}/explode").status_code == 404
