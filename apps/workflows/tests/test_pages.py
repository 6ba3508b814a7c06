"""The workflows pages of the control center: list, definition form, import and export, the
workflow's page (execute, runs, versions, restore, delete), the diff, the runs history and a
run's page with its approvals and cancel."""

from __future__ import annotations

import json
import re
import uuid
from html import unescape
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.models import User
from apps.workflows.models import RunStatus, StepStatus, Workflow, WorkflowRun
from apps.workflows.services.definitions import workflow_create, workflow_update
from apps.workflows.services.runs import run_execute
from apps.workflows.tests.support import drive, service_step, steps_of

pytestmark = pytest.mark.django_db

LIST, NEW, IMPORT, RUNS = "/workflows", "/workflows/new", "/workflows/import", "/workflows/runs"
ROUTES = service_step("routes", "RouteTable", "routes")
GATE = {"id": "gate", "kind": "approval", "message": "Ship it?", "depends_on": ["routes"]}
MISSING = uuid.uuid4()


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _workflow(name: str = "nightly", steps: list[dict[str, Any]] | None = None, **fields: Any) -> Workflow:
    return workflow_create(name=name, steps=steps or [ROUTES], **fields)


def _run(workflow: Workflow, user: User, inputs: dict[str, Any] | None = None) -> WorkflowRun:
    return run_execute(workflow=workflow, inputs=inputs or {}, user=user, scopes=frozenset(user.scopes))


def _form(**fields: str) -> dict[str, str]:
    return {"name": "nightly", "description": "", "steps": json.dumps([ROUTES]), "inputs_schema": "", "outputs": "",
            **fields}  # fmt: skip


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" [^>]*data-field="{field}">([^<]*)</p>', html)
    assert match, f"no error shown for {field}"
    return unescape(match.group(1))


def _step_problems(html: str) -> dict[str, str]:
    rows = re.findall(
        r'<li data-step="(\w+)"><code class="error-field">[^<]*</code> <span class="error-message">([^<]*)', html
    )
    return {step: unescape(message) for step, message in rows}


def _pages(workflow: Workflow, run: WorkflowRun) -> list[str]:
    base = f"{LIST}/{workflow.id}"
    return [LIST, NEW, IMPORT, RUNS, base, f"{base}/edit", f"{base}/diff?from=1", f"{RUNS}/{run.id}"]


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_redirected_to_login(client: Client, operator_user: User) -> None:
    workflow = _workflow()
    for path in _pages(workflow, _run(workflow, operator_user)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_every_page_renders_for_a_viewer_without_write_controls(viewer_client: Client, operator_user: User) -> None:
    workflow = _workflow(steps=[ROUTES, GATE])
    workflow_update(workflow=workflow, description="second")
    run = drive(_run(workflow, operator_user))
    assert run.status == RunStatus.WAITING
    for path in _pages(workflow, run):
        response = viewer_client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "Content-Security-Policy" in response.headers
        assert " style=" not in html, path
        assert "<script>" not in html, path
        for control in ("new-workflow", "import-workflow", "edit-workflow", "delete-workflow", "restore-v1",
                        'data-testid="execute"', "approve-gate", "cancel-run"):  # fmt: skip
            assert control not in html, (path, control)
    assert 'data-testid="read-only"' in viewer_client.get(NEW).content.decode()
    assert 'data-testid="needs-write"' in viewer_client.get(f"{LIST}/{workflow.id}").content.decode()


def test_a_writer_sees_the_write_controls(operator_client: Client, operator_user: User) -> None:
    workflow = _workflow(steps=[ROUTES, GATE])
    workflow_update(workflow=workflow, description="second")
    run = drive(_run(workflow, operator_user))
    assert 'data-testid="new-workflow"' in operator_client.get(LIST).content.decode()
    page = operator_client.get(f"{LIST}/{workflow.id}").content.decode()
    for control in ("edit-workflow", "delete-workflow", "restore-v1", 'data-testid="execute"', "diff-v1"):
        assert control in page, control
    run_page = operator_client.get(f"{RUNS}/{run.id}").content.decode()
    assert 'data-testid="approve-gate"' in run_page
    assert 'data-testid="cancel-run"' in run_page


def test_viewers_writes_are_refused_and_change_nothing(viewer_client: Client, operator_user: User) -> None:
    workflow = _workflow(steps=[ROUTES, GATE])
    workflow_update(workflow=workflow, description="second")
    run = drive(_run(workflow, operator_user))
    base = f"{LIST}/{workflow.id}"
    posts = {
        NEW: _form(name="other"),
        f"{base}/edit": _form(description="third"),
        IMPORT: {"document": json.dumps({"name": "imported", "steps": [ROUTES]})},
        f"{base}/execute": {},
        f"{base}/restore": {"version": "1"},
        f"{base}/delete": {},
        f"{RUNS}/{run.id}/cancel": {},
        f"{RUNS}/{run.id}/decide": {"step_id": "gate", "decision": "approve"},
    }
    for path, data in posts.items():
        assert viewer_client.post(path, data).status_code == 403, path
    workflow.refresh_from_db()
    run.refresh_from_db()
    assert (workflow.version, workflow.archived_at, Workflow.objects.count()) == (2, None, 1)
    assert (run.status, WorkflowRun.objects.count()) == (RunStatus.WAITING, 1)


def test_unknown_ids_are_404(operator_client: Client) -> None:
    for path in (f"{LIST}/{MISSING}", f"{LIST}/{MISSING}/edit", f"{LIST}/{MISSING}/export", f"{LIST}/{MISSING}/diff",
                 f"{RUNS}/{MISSING}"):  # fmt: skip
        assert operator_client.get(path).status_code == 404, path
    for path in (f"{LIST}/{MISSING}/execute", f"{LIST}/{MISSING}/delete", f"{RUNS}/{MISSING}/cancel"):
        assert operator_client.post(path, {}).status_code == 404, path
    assert operator_client.get(f"{LIST}/not-a-uuid").status_code == 404


def test_a_deleted_workflow_is_404_but_its_runs_stay(operator_client: Client, operator_user: User) -> None:
    workflow = _workflow()
    run = _run(workflow, operator_user)
    response = operator_client.post(f"{LIST}/{workflow.id}/delete")
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert operator_client.get(f"{LIST}/{workflow.id}").status_code == 404
    page = operator_client.get(f"{RUNS}/{run.id}")
    assert page.status_code == 200
    assert "(deleted)" in page.content.decode()
    assert "nightly" not in operator_client.get(LIST).content.decode()


# --- list --------------------------------------------------------------------------------------


def test_the_list_shows_version_steps_and_last_run_and_searches(
    operator_client: Client, operator_user: User, django_assert_max_num_queries: Any
) -> None:
    nightly = _workflow(steps=[ROUTES, GATE], description="every night")
    _workflow("weekly")
    for _ in range(3):
        _workflow(f"spare-{uuid.uuid4().hex[:6]}")
    drive(_run(nightly, operator_user))
    with django_assert_max_num_queries(8):
        html = operator_client.get(LIST).content.decode()
    row = re.search(rf'<tr data-workflow-id="{nightly.id}">(.*?)</tr>', html, re.S)
    assert row
    cells = re.sub(r"<[^>]+>", " ", row.group(1)).split()
    assert [cells[i] for i in (cells.index("v1"), cells.index("v1") + 1, cells.index("v1") + 2)] == [
        "v1",
        "2",
        "waiting",
    ]
    assert "never run" in html
    found = operator_client.get(LIST, {"q": "NIGHT"}).content.decode()
    assert "nightly" in found
    assert "weekly" not in found
    assert "1 workflow matching" in found
    assert 'data-testid="no-workflows"' in operator_client.get(LIST, {"q": "zzz"}).content.decode()


# --- create and edit ---------------------------------------------------------------------------


def test_create_redirects_to_the_workflow(operator_client: Client, operator_user: User) -> None:
    schema = {"type": "object", "properties": {"limit": {"type": "integer"}}}
    outputs = {"routes": "{{ steps.routes.output }}"}
    response = operator_client.post(
        NEW, _form(description="d", inputs_schema=json.dumps(schema), outputs=json.dumps(outputs))
    )
    workflow = Workflow.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}/{workflow.id}"
    assert (workflow.steps, workflow.inputs_schema, workflow.outputs) == ([ROUTES], schema, outputs)
    assert workflow.created_by == operator_user
    assert "created" in _text(operator_client.get(response["Location"]))


def test_steps_may_be_written_in_yaml(operator_client: Client) -> None:
    steps = "- id: routes\n  kind: service\n  service: RouteTable\n  method: routes\n  params: {}\n"
    response = operator_client.post(NEW, _form(steps=steps, inputs_schema="type: object"))
    assert response.status_code == 302
    assert Workflow.objects.get().steps == [ROUTES]


def test_invalid_steps_show_the_step_named_error_and_save_nothing(operator_client: Client) -> None:
    steps = [service_step("fetch", "NoSuchService", "x"), {"id": "wait", "kind": "wait", "seconds": -1}]
    response = operator_client.post(NEW, _form(steps=json.dumps(steps)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 problems in the steps" in _field_error(html, "steps")
    problems = _step_problems(html)
    assert "unknown service 'NoSuchService'" in problems["fetch"]
    assert "seconds must be a number" in problems["wait"]
    assert "steps.fetch" in html
    assert not Workflow.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("steps", "[{", "Steps is not valid JSON"),
        ("steps", "a: [b", "Steps is not valid YAML"),
        ("steps", '{"id": "x"}', "Steps must be a list"),
        ("steps", "", "This field is required."),
        ("steps", '[{"id": "a", "kind": "wait", "seconds": NaN}]', "values JSON cannot"),
        ("steps", "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("steps", "- &a [1]\n- *a\n", "aliases"),
        ("inputs_schema", "[1]", "must be an object"),
        ("inputs_schema", '{"type": "nonsense"}', "is not a valid JSON Schema"),
        ("outputs", '{"x": "{{ steps.nope.output }}"}', "outputs.x: reads step 'nope'"),
        ("name", "", "This field is required."),
    ],
)
def test_bad_input_is_shown_next_to_its_field(operator_client: Client, field: str, value: str, message: str) -> None:
    response = operator_client.post(NEW, _form(**{field: value}))
    assert response.status_code == 200
    assert message in _field_error(response.content.decode(), field)
    assert not Workflow.objects.exists()


def test_a_taken_name_is_refused(operator_client: Client) -> None:
    _workflow()
    response = operator_client.post(NEW, _form())
    assert "A workflow with that name exists." in _field_error(response.content.decode(), "name")


def test_edit_saves_a_new_version_and_nothing_for_no_change(operator_client: Client) -> None:
    workflow = _workflow()
    page = operator_client.get(f"{LIST}/{workflow.id}/edit").content.decode()
    assert "Save as version 2" in page
    assert "RouteTable" in page
    steps = json.dumps([ROUTES, GATE])
    response = operator_client.post(f"{LIST}/{workflow.id}/edit", _form(steps=steps, description="two"))
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}/{workflow.id}"
    workflow.refresh_from_db()
    assert (workflow.version, workflow.description, len(workflow.steps)) == (2, "two", 2)
    operator_client.post(f"{LIST}/{workflow.id}/edit", _form(steps=steps, description="two"))
    workflow.refresh_from_db()
    assert workflow.version == 2
    invalid = operator_client.post(
        f"{LIST}/{workflow.id}/edit", _form(steps=json.dumps([{**GATE, "depends_on": []}, GATE]))
    )
    assert invalid.status_code == 200
    assert "id is used by another step" in _step_problems(invalid.content.decode())["gate"]


# --- import and export -------------------------------------------------------------------------


def test_import_a_yaml_file_and_a_pasted_json_document(operator_client: Client) -> None:
    document = {"name": "from-yaml", "description": "imported", "steps": [ROUTES], "outputs": {}}
    upload = SimpleUploadedFile("wf.yaml", yaml.safe_dump(document).encode(), content_type="application/yaml")
    response = operator_client.post(IMPORT, {"file": upload})
    workflow = Workflow.objects.get(name="from-yaml")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}/{workflow.id}"
    assert (workflow.description, workflow.steps) == ("imported", [ROUTES])
    pasted = json.dumps({"name": "from-json", "steps": [ROUTES], "version": 7, "id": "ignored"})
    assert operator_client.post(IMPORT, {"document": pasted}).status_code == 302
    assert Workflow.objects.get(name="from-json").version == 1


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("", "Choose a file or paste a document."),
        ("name: [", "not valid YAML"),
        ("[1, 2]", "must be an object"),
        ('{"name": "x", "steps": [], "colour": "red"}', "Unknown keys: colour"),
        ('{"steps": []}', "name must be text"),
        ('{"name": "x", "steps": {}}', "steps must be a list"),
        ('{"name": "x", "steps": [], "outputs": []}', "outputs must be an object"),
    ],
)
def test_a_bad_import_is_explained(operator_client: Client, document: str, message: str) -> None:
    response = operator_client.post(IMPORT, {"document": document})
    assert response.status_code == 200
    assert message in _text(response)
    assert not Workflow.objects.exists()


def test_an_import_with_invalid_steps_names_the_step(operator_client: Client) -> None:
    document = yaml.safe_dump({"name": "x", "steps": [service_step("fetch", "Nope", "x")]})
    response = operator_client.post(IMPORT, {"file": SimpleUploadedFile("x.yml", document.encode())})
    assert response.status_code == 200
    assert "unknown service 'Nope'" in _step_problems(response.content.decode())["fetch"]
    binary = operator_client.post(IMPORT, {"file": SimpleUploadedFile("x.yml", b"\xff\xfe\x00")})
    assert "not UTF-8" in _text(binary)
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_downloads_a_document_the_import_reads_back(operator_client: Client, fmt: str) -> None:
    schema = {"type": "object", "properties": {"who": {"type": "string", "description": "Ünïcode"}}}
    workflow = _workflow(steps=[ROUTES, GATE], description="round trip", inputs_schema=schema,
                         outputs={"r": "{{ steps.routes.output }}"})  # fmt: skip
    response = operator_client.get(f"{LIST}/{workflow.id}/export", {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="nightly-v1.{fmt}"'
    body = response.content.decode()
    parsed = json.loads(body) if fmt == "json" else yaml.safe_load(body)
    assert parsed["steps"] == [ROUTES, GATE]
    operator_client.post(f"{LIST}/{workflow.id}/delete")
    upload = SimpleUploadedFile(f"nightly.{fmt}", response.content)
    assert operator_client.post(IMPORT, {"file": upload}).status_code == 302
    again = Workflow.objects.get(archived_at__isnull=True)
    fields = ("name", "description", "steps", "inputs_schema", "outputs")
    assert {f: getattr(again, f) for f in fields} == {f: getattr(workflow, f) for f in fields}


def test_export_defaults_to_json_and_refuses_other_formats(operator_client: Client) -> None:
    workflow = _workflow()
    assert operator_client.get(f"{LIST}/{workflow.id}/export")["Content-Type"].startswith("application/json")
    assert operator_client.get(f"{LIST}/{workflow.id}/export", {"format": "xml"}).status_code == 400


# --- versions and diff -------------------------------------------------------------------------


def test_restore_and_diff(operator_client: Client) -> None:
    workflow = _workflow(description="first")
    workflow_update(workflow=workflow, steps=[ROUTES, GATE], description="second")
    diff = operator_client.get(f"{LIST}/{workflow.id}/diff", {"from": 1, "to": 2})
    html = diff.content.decode()
    assert diff.status_code == 200
    assert re.search(r'data-testid="steps-added"><span class="badge diff-added">gate</span>', html)
    assert '<span class="diff-line diff-removed">-  &quot;description&quot;: &quot;first&quot;,</span>' in html
    assert '<span class="diff-line diff-added">+  &quot;description&quot;: &quot;second&quot;,</span>' in html
    response = operator_client.post(f"{LIST}/{workflow.id}/restore", {"version": "1"}, follow=True)
    assert response.redirect_chain == [(f"{LIST}/{workflow.id}", 302)]
    assert "Version 1 restored as version 3." in _text(response)
    workflow.refresh_from_db()
    assert (workflow.version, workflow.description, workflow.versions.get(version=3).note) == (
        3, "first", "restored from v1",
    )  # fmt: skip
    same = operator_client.get(f"{LIST}/{workflow.id}/diff", {"from": 1, "to": 3}).content.decode()
    assert 'data-testid="no-diff"' in same


def test_bad_diff_and_restore_requests_are_explained(operator_client: Client) -> None:
    workflow = _workflow()
    base = f"{LIST}/{workflow.id}"
    assert operator_client.get(f"{base}/diff", {"from": "x"}).status_code == 400
    assert operator_client.get(f"{base}/diff", {"from": 9}).status_code == 404
    assert operator_client.get(f"{base}/diff").status_code == 200  # the picker, nothing compared yet
    operator_client.post(f"{base}/restore", {"version": "9"})
    assert "has no version 9" in _text(operator_client.get(base))
    operator_client.post(f"{base}/restore", {"version": "nine"})
    assert "Choose a version to restore." in _text(operator_client.get(base))


# --- execute -----------------------------------------------------------------------------------

TYPED = {
    "type": "object",
    "properties": {
        "limit": {"type": "integer", "minimum": 1, "default": 5},
        "label": {"type": "string", "description": "shown in the report"},
        "mode": {"enum": ["fast", "slow"]},
        "dry_run": {"type": "boolean"},
    },
    "required": ["limit"],
}


def test_execute_form_has_typed_fields_from_the_schema(operator_client: Client) -> None:
    workflow = _workflow(inputs_schema=TYPED)
    html = operator_client.get(f"{LIST}/{workflow.id}").content.decode()
    assert re.search(r'<input type="number" name="input-limit" value="5" min="1"[^>]*required', html)
    assert '<input type="text" name="input-label"' in html
    assert '<select name="input-mode"' in html
    assert '<option value="fast">' in html
    assert '<select name="input-dry_run"' in html
    response = operator_client.post(
        f"{LIST}/{workflow.id}/execute",
        {"input-limit": "3", "input-label": "", "input-mode": "slow", "input-dry_run": "true"},
    )
    run = WorkflowRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{RUNS}/{run.id}"
    assert run.inputs == {"limit": 3, "mode": "slow", "dry_run": True}


def test_execute_shows_input_errors_on_their_fields(operator_client: Client) -> None:
    workflow = _workflow(inputs_schema=TYPED)
    response = operator_client.post(f"{LIST}/{workflow.id}/execute", {"input-limit": "0", "input-mode": "medium"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "greater than or equal to 1" in _field_error(html, "limit")
    assert "medium is not one of the available choices" in _field_error(html, "mode")
    assert not WorkflowRun.objects.exists()


def test_execute_falls_back_to_a_json_object(operator_client: Client) -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array"}}, "required": ["tags"]}
    workflow = _workflow(inputs_schema=schema)
    assert 'name="input-inputs"' in operator_client.get(f"{LIST}/{workflow.id}").content.decode()
    refused = operator_client.post(f"{LIST}/{workflow.id}/execute", {"input-inputs": '{"tags": "x"}'})
    assert refused.status_code == 200
    assert "tags: 'x' is not of type 'array'" in _field_error(refused.content.decode(), "inputs")
    missing = operator_client.post(f"{LIST}/{workflow.id}/execute", {"input-inputs": "{}"})
    assert "'tags' is a required property" in _field_error(missing.content.decode(), "inputs")
    assert "not valid JSON" in _text(operator_client.post(f"{LIST}/{workflow.id}/execute", {"input-inputs": "{"}))
    assert operator_client.post(f"{LIST}/{workflow.id}/execute", {"input-inputs": '{"tags": ["a"]}'}).status_code == 302
    assert WorkflowRun.objects.get().inputs == {"tags": ["a"]}


# --- runs --------------------------------------------------------------------------------------


def test_the_run_page_shows_progress_steps_and_approves(operator_client: Client, operator_user: User) -> None:
    workflow = _workflow(steps=[ROUTES, GATE], outputs={"gate": "{{ steps.gate.output.approved }}"})
    run = drive(_run(workflow, operator_user, {"who": "otto"}))
    html = operator_client.get(f"{RUNS}/{run.id}").content.decode()
    assert '<progress id="run-progress" max="100" value="50"' in html
    assert re.search(r'data-testid="step-routes">.*?status-succeeded step-status', html, re.S)
    assert "Ship it?" in html
    assert "&quot;who&quot;: &quot;otto&quot;" in html
    response = operator_client.post(
        f"{RUNS}/{run.id}/decide", {"step_id": "gate", "decision": "approve", "comment": "ok"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{RUNS}/{run.id}"
    run = drive(run)
    assert (run.status, run.outputs, steps_of(run)["gate"].decision_comment) == (
        RunStatus.SUCCEEDED,
        {"gate": True},
        "ok",
    )
    done = operator_client.get(f"{RUNS}/{run.id}").content.decode()
    assert 'id="cancel-form"' in done
    assert re.search(r'id="cancel-form"[^>]*hidden', done, re.S)
    assert 'Decided by <span class="step-decided-by">otto</span>' in done
    again = operator_client.post(f"{RUNS}/{run.id}/decide", {"step_id": "gate", "decision": "reject"}, follow=True)
    assert "already succeeded" in _text(again)


def test_reject_and_bad_decisions(operator_client: Client, operator_user: User) -> None:
    workflow = _workflow(steps=[ROUTES, GATE])
    run = drive(_run(workflow, operator_user))
    bad = operator_client.post(f"{RUNS}/{run.id}/decide", {"step_id": "gate", "decision": "maybe"}, follow=True)
    assert "The decision is incomplete" in _text(bad)
    nope = operator_client.post(f"{RUNS}/{run.id}/decide", {"step_id": "routes", "decision": "approve"}, follow=True)
    assert "no approval step 'routes'" in _text(nope)
    operator_client.post(f"{RUNS}/{run.id}/decide", {"step_id": "gate", "decision": "reject", "comment": "no"})
    run = drive(run)
    assert run.status == RunStatus.FAILED
    assert steps_of(run)["gate"].error == "rejected by otto: no"


def test_cancel_stops_an_unfinished_run_once(operator_client: Client, operator_user: User) -> None:
    run = drive(_run(_workflow(steps=[ROUTES, GATE]), operator_user))
    response = operator_client.post(f"{RUNS}/{run.id}/cancel", follow=True)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert steps_of(run)["gate"].status == StepStatus.CANCELLED
    assert "Run cancelled." in _text(response)
    again = operator_client.post(f"{RUNS}/{run.id}/cancel", follow=True)
    assert again.status_code == 200
    assert "cannot be cancelled" in _text(again)


def test_run_histories_filter_and_paginate(operator_client: Client, operator_user: User) -> None:
    nightly, weekly = _workflow(), _workflow("weekly", steps=[ROUTES, GATE])
    done = drive(_run(nightly, operator_user))
    waiting = drive(_run(weekly, operator_user))
    queued = _run(weekly, operator_user)

    def ids(path: str, **params: Any) -> set[str]:
        return set(re.findall(r'<tr data-run-id="([0-9a-f-]+)"', operator_client.get(path, params).content.decode()))

    assert ids(RUNS) == {str(done.id), str(waiting.id), str(queued.id)}
    assert ids(RUNS, status="succeeded") == {str(done.id)}
    assert ids(RUNS, workflow=str(weekly.id)) == {str(waiting.id), str(queued.id)}
    assert ids(RUNS, trigger="schedule") == set()
    assert ids(RUNS, status="sideways", workflow="nope", trigger="?") == ids(RUNS)  # ignored, not refused
    assert ids(f"{LIST}/{weekly.id}", status="waiting") == {str(waiting.id)}
    assert ids(f"{LIST}/{weekly.id}") == {str(waiting.id), str(queued.id)}
    for _ in range(20):
        _run(weekly, operator_user)
    first = operator_client.get(f"{LIST}/{weekly.id}").content.decode()
    assert "Page 1 of 2" in first
    assert len(ids(f"{LIST}/{weekly.id}", page=2)) == 2
