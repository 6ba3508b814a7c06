"""The learning pages of the control center: prompt templates (list, new, a template's page
with its versions, try, feedback and new-version forms), the feedback log and the export."""

from __future__ import annotations

import json
import re
import uuid
from html import unescape
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from apps.accounts.models import User
from apps.learning.models import Feedback, PromptTemplate, PromptUse
from apps.learning.services.feedback import feedback_give
from apps.learning.services.prompts import template_create, template_update

pytestmark = pytest.mark.django_db

LIST, NEW, FEEDBACK, EXPORT = "/learning", "/learning/new", "/learning/feedback", "/learning/export"
TEXT = "Summarise for {{ audience }}: {{ text }}"


@pytest.fixture
def template(operator_user: User) -> PromptTemplate:
    return template_create(name="summary", text=TEXT, description="Short summaries", user=operator_user)


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" [^>]*data-field="{field}">([^<]*)</p>', html)
    assert match, f"no error shown for {field}"
    return unescape(match.group(1))


def _rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', html)


# --- access ------------------------------------------------------------------------------------


def _pages(template: PromptTemplate) -> list[str]:
    return [LIST, NEW, FEEDBACK, EXPORT, f"{LIST}/{template.id}"]


def test_anonymous_is_redirected_to_login(client: Client, template: PromptTemplate) -> None:
    for path in _pages(template):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_pages_load_for_everyone_logged_in(viewer_client: Client, template: PromptTemplate) -> None:
    for path in _pages(template):
        assert viewer_client.get(path).status_code == 200, path


def test_navigation_links_the_learning_pages(viewer_client: Client) -> None:
    html = viewer_client.get(LIST).content.decode()
    assert '<a href="/learning" aria-current="page">Learning</a>' in html


def test_viewer_sees_no_write_forms_and_cannot_post(viewer_client: Client, template: PromptTemplate) -> None:
    html = _text(viewer_client.get(f"{LIST}/{template.id}"))
    assert 'data-testid="read-only"' in html
    for write in ("save-version", "give-feedback", "edit-template"):
        assert f'data-testid="{write}"' not in html
    assert 'data-testid="render"' in html  # trying a version only reads
    assert 'data-testid="new-template"' not in viewer_client.get(LIST).content.decode()
    version_form = {"text": "Hi {{ name }}", "note": ""}
    assert viewer_client.post(f"{LIST}/{template.id}/versions", version_form).status_code == 403
    feedback_form = {"feedback-version": 1, "feedback-score": 5}
    assert viewer_client.post(f"{LIST}/{template.id}/feedback", feedback_form).status_code == 403
    assert viewer_client.post(NEW, {"name": "x", "use_case": "chat", "text": "Hi"}).status_code == 403
    assert (template.versions.count(), Feedback.objects.count(), PromptTemplate.objects.count()) == (1, 0, 1)


def test_an_unknown_template_or_version_is_404(viewer_client: Client, template: PromptTemplate) -> None:
    assert viewer_client.get(f"{LIST}/{uuid.uuid4()}").status_code == 404
    assert viewer_client.get(f"{LIST}/{template.id}", {"version": 9}).status_code == 404
    assert viewer_client.get(f"{LIST}/{template.id}", {"version": "latest"}).status_code == 404


# --- templates ---------------------------------------------------------------------------------


def test_list_shows_each_template_with_its_current_version_and_scores(
    viewer_client: Client, template: PromptTemplate, operator_user: User, django_assert_max_num_queries: Any
) -> None:
    first = template.versions.get()
    feedback_give(subject_type="prompt_version", subject_id=first.pk, score=2, user=operator_user)
    template_update(template=template, text="Hi {{ name }}", user=operator_user)
    current = template.versions.get(version=2)
    request_id = uuid.uuid4()  # a call made from the version counts towards it (the call log may be gone)
    PromptUse.objects.create(version=current, llm_request_id=request_id)
    feedback_give(subject_type="prompt_version", subject_id=current.pk, score=5, user=operator_user)
    feedback_give(subject_type="prompt_version", subject_id=current.pk, score=4, user=operator_user)
    template_create(name="greet", text="Hello", user=operator_user)
    viewer_client.get(LIST)  # warm the session and user caches
    with django_assert_max_num_queries(4):  # the user, the count, the page (and one spare)
        html = _text(viewer_client.get(LIST))
    assert _rows(html, "data-template-id") == [str(PromptTemplate.objects.get(name="greet").id), str(template.id)]
    row = html[html.index(f'data-template-id="{template.id}"') :]
    assert "v2" in row[:600]
    assert "<code>name</code>" in row[:600]
    assert re.search(r'data-testid="avg-score">4\.50<', row)
    assert re.search(r'data-testid="feedback-count">2<', row)


def test_create_a_template_and_refuse_a_broken_one(operator_client: Client, template: PromptTemplate) -> None:
    response = operator_client.post(NEW, {"name": "greet", "use_case": "chat", "text": "Hello {{ name }}"})
    created = PromptTemplate.objects.get(name="greet")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}/{created.id}"
    assert "Template “greet” created." in _text(operator_client.get(response["Location"]))

    broken = operator_client.post(NEW, {"name": "broken", "use_case": "chat", "text": "Hello {% if %}"})
    assert broken.status_code == 200
    assert _field_error(_text(broken), "text").startswith("The template has a syntax error at line 1:")
    taken = operator_client.post(NEW, {"name": "summary", "use_case": "embeddings", "text": "x"})
    assert _field_error(_text(taken), "name") == "A template with that name exists."
    assert "Select a valid choice" in _field_error(_text(taken), "use_case")
    assert not PromptTemplate.objects.filter(name__in=["broken"]).exists()


def test_saving_a_new_text_makes_a_version_listed_first(operator_client: Client, template: PromptTemplate) -> None:
    page = f"{LIST}/{template.id}"
    assert 'data-testid="save-version">Save as version 2<' in _text(operator_client.get(page))
    response = operator_client.post(f"{page}/versions", {"text": "Hi {{ name }}", "note": "shorter"})
    assert response.status_code == 302
    assert response["Location"] == f"{page}#versions"
    html = _text(operator_client.get(page))
    assert "Saved as version 2." in html
    assert _rows(html, "data-version") == ["2", "1"]
    assert "shorter" in html
    template.refresh_from_db()
    assert template.current_version == 2

    same = operator_client.post(f"{page}/versions", {"text": "Hi {{ name }}", "note": "again"})
    assert "The text is unchanged; no version saved." in _text(operator_client.get(same["Location"]))
    assert template.versions.count() == 2


def test_a_broken_version_shows_the_error_next_to_the_text(operator_client: Client, template: PromptTemplate) -> None:
    response = operator_client.post(f"{LIST}/{template.id}/versions", {"text": "{{ unclosed", "note": ""})
    assert response.status_code == 200
    html = _text(response)
    assert _field_error(html, "text").startswith("The template has a syntax error at line 1:")
    assert "{{ unclosed" in html  # what was typed is kept
    assert _field_error(_text(operator_client.post(f"{LIST}/{template.id}/versions", {"text": ""})), "text")
    assert template.versions.count() == 1


def test_try_renders_a_version_with_the_typed_values(viewer_client: Client, template: PromptTemplate) -> None:
    template_update(template=template, text="Hello {{ name }}")
    page = f"{LIST}/{template.id}"
    html = _text(viewer_client.get(page, {"version": 1, "render": 1, "var-audience": "engineers", "var-text": "a b"}))
    assert "Try version 1" in html
    assert re.search(r'data-testid="rendered">Summarise for engineers: a b</pre>', html)
    current = _text(viewer_client.get(page, {"render": 1, "var-name": "Ada"}))
    assert re.search(r'data-testid="rendered">Hello Ada</pre>', current)
    assert 'id="id_var-name"' in current


def test_a_render_error_is_shown_above_the_form(viewer_client: Client, operator_user: User) -> None:
    template = template_create(name="sum", text="{{ count + 1 }}", user=operator_user)
    html = _text(viewer_client.get(f"{LIST}/{template.id}", {"render": 1, "var-count": "three"}))
    assert 'data-testid="rendered"' not in html
    match = re.search(r'data-testid="render-errors">([^<]*)<', html)
    assert match
    assert match.group(1).startswith("The template could not be rendered (TypeError:")


# --- feedback ----------------------------------------------------------------------------------


def test_give_feedback_on_a_version(operator_client: Client, template: PromptTemplate) -> None:
    template_update(template=template, text="Hi {{ name }}")
    page = f"{LIST}/{template.id}"
    form = {"feedback-version": "1", "feedback-score": "4", "feedback-label": " Too-Long ", "feedback-comment": "ok"}
    response = operator_client.post(f"{page}/feedback", form)
    assert response.status_code == 302
    assert response["Location"] == f"{page}?version=1#versions"
    given = Feedback.objects.get()
    assert (given.subject_type, given.subject_id, given.score, given.label) == (
        "prompt_version", template.versions.get(version=1).id, 4, "too-long"
    )  # fmt: skip
    html = _text(operator_client.get(response["Location"]))
    assert "Feedback on version 1 saved." in html
    assert re.search(r'<tr data-version="1" aria-current="true">.*?data-testid="avg-score">4\.00<', html, re.S)


def test_feedback_that_says_nothing_shows_an_error(operator_client: Client, template: PromptTemplate) -> None:
    response = operator_client.post(f"{LIST}/{template.id}/feedback", {"feedback-version": "1", "feedback-score": ""})
    assert response.status_code == 200
    assert _field_error(_text(response), "score") == "Give a score, a label, or both."
    html = _text(
        operator_client.post(f"{LIST}/{template.id}/feedback", {"feedback-version": "7", "feedback-score": "9"})
    )
    assert "Select a valid choice" in _field_error(html, "version")
    assert "Select a valid choice" in _field_error(html, "score")
    assert not Feedback.objects.exists()


@pytest.fixture
def judged(template: PromptTemplate, make_run: Any, make_llm_request: Any, operator_user: User) -> dict[str, Any]:
    run, call, version = make_run(), make_llm_request(), template.versions.get()
    give = {"user": operator_user}
    return {
        "run": feedback_give(subject_type="workflow_run", subject_id=run.pk, score=5, label="good", **give),
        "call": feedback_give(subject_type="llm_request", subject_id=call.pk, score=2, label="hallucination", **give),
        "version": feedback_give(subject_type="prompt_version", subject_id=version.pk, label="good", **give),
    }


def test_feedback_page_lists_and_filters(viewer_client: Client, judged: dict[str, Any], template: Any) -> None:
    def ids(**params: Any) -> list[str]:
        return _rows(_text(viewer_client.get(FEEDBACK, params)), "data-feedback-id")

    run, call, version = (str(judged[key].id) for key in ("run", "call", "version"))
    assert ids() == [version, call, run]  # newest first
    assert ids(subject_type="workflow_run") == [run]
    assert ids(label="good") == [version, run]
    assert ids(score="2") == [call]
    assert ids(label="good", score="5") == [run]
    assert ids(label="nobody-said-this") == []  # refused, not ignored
    assert ids(subject_id=str(judged["call"].subject_id)) == [call]  # a hidden filter, as the API's
    html = _text(viewer_client.get(FEEDBACK))
    assert f'href="/workflows/runs/{judged["run"].subject_id}">run of summarise</a>' in html
    assert f'href="/learning/{template.id}?version=1">summary v1</a>' in html
    filtered = _text(viewer_client.get(FEEDBACK, {"label": "good"}))
    assert '<option value="good" selected>' in filtered
    assert "2 feedback matching" in filtered
    assert 'href="/learning/feedback">Clear</a>' in filtered
    assert "No feedback matches these filters." in _text(viewer_client.get(FEEDBACK, {"score": "1"}))


def test_feedback_page_reads_in_a_fixed_number_of_queries(
    viewer_client: Client, judged: Any, operator_user: User, make_run: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(20):
        feedback_give(subject_type="workflow_run", subject_id=make_run().pk, score=3, user=operator_user)
    viewer_client.get(FEEDBACK)
    with django_assert_max_num_queries(6):  # user, labels, count, page, runs, versions
        viewer_client.get(FEEDBACK)


# --- export ------------------------------------------------------------------------------------


def test_export_downloads_the_json_lines(viewer_client: Client, judged: dict[str, Any]) -> None:
    response = viewer_client.get(EXPORT, {"subject": "workflow_runs", "workflow": "", "since": "", "min_score": "4"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"].startswith('attachment; filename="workflow_runs-')
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [(line["run_id"], line["avg_score"]) for line in lines] == [(str(judged["run"].subject_id), 5.0)]


def test_export_errors_are_shown_next_to_the_fields(viewer_client: Client, workflow: Any) -> None:
    response = viewer_client.get(EXPORT, {"subject": "llm_requests", "workflow": str(workflow.id), "min_score": "9"})
    assert response.status_code == 400
    html = _text(response)
    assert _field_error(html, "workflow") == "A workflow applies to workflow runs only."
    assert _field_error(html, "min_score") == "Ensure this value is less than or equal to 5."
    assert _field_error(_text(viewer_client.get(EXPORT, {"subject": "everything"})), "subject")
