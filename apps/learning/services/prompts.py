"""Prompt templates: every change of the text is a new version; rendering and running a
version. Template writes record their events in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.events.services import event_append
from apps.learning import rendering
from apps.learning.errors import NotFound, TemplateInvalid
from apps.learning.models import PromptTemplate, PromptUse, PromptVersion
from apps.llm.services import Answer, generate

UPDATABLE_FIELDS = ("name", "description", "use_case", "text")


@dataclass(frozen=True)
class PromptRun:
    """A template run: the version used, the text sent and the model's answer."""

    version: PromptVersion
    prompt: str
    answer: Answer


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _checked_text(text: str) -> list[str]:
    if not text.strip():
        raise TemplateInvalid("The template text is empty.", details={"text": ["Required."]})
    if len(text) > rendering.MAX_TEXT:
        raise TemplateInvalid(f"The template text is longer than {rendering.MAX_TEXT} characters.")
    return rendering.variables_of(text)


def _new_version(template: PromptTemplate, *, text: str, variables: list[str], user: Any, note: str) -> PromptVersion:
    return PromptVersion.objects.create(
        template=template, version=template.current_version, text=text, variables=variables, note=note,
        created_by=_user(user),
    )  # fmt: skip


def _record(template: PromptTemplate, event_type: str, **extra: Any) -> None:
    payload = {"id": str(template.id), "name": template.name, "version": template.current_version, **extra}
    event_append(aggregate_type="PromptTemplate", aggregate_id=template.id, event_type=event_type, payload=payload)


@transaction.atomic
def template_create(
    *, name: str, text: str, description: str = "", use_case: str = "chat", note: str = "", user: Any = None
) -> PromptTemplate:
    """A template and its version 1 (400 if the text does not parse)."""
    variables = _checked_text(text)
    template = PromptTemplate.objects.create(
        name=name, description=description, use_case=use_case, created_by=_user(user)
    )
    _new_version(template, text=text, variables=variables, user=user, note=note)
    _record(template, "PromptTemplateCreated", variables=variables)
    return template


@transaction.atomic
def template_update(*, template: PromptTemplate, user: Any = None, note: str = "", **changes: Any) -> PromptTemplate:
    """Change a template; a new ``text`` is a new version. A change of nothing saves nothing."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    # Locked: two concurrent edits of the text must not both write the same version number.
    locked = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    text = changes.pop("text", None)
    new_text = text is not None and text != version_get(template=locked).text
    variables = _checked_text(text) if new_text else []
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    if not changed and not new_text:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    if new_text:
        locked.current_version += 1
    locked.save()
    if new_text:
        _new_version(locked, text=text, variables=variables, user=user, note=note)
        changed = sorted([*changed, "text"])
    _record(locked, "PromptTemplateUpdated", changed=changed, note=note)
    return locked


@transaction.atomic
def template_delete(*, template: PromptTemplate) -> None:
    """Delete a template with its versions; feedback on them stays (it names ids only)."""
    _record(template, "PromptTemplateDeleted")
    template.delete()


def version_get(*, template: PromptTemplate, version: int | None = None) -> PromptVersion:
    """A version of the template, the current one by default (404 if there is no such one)."""
    number = version if version is not None else template.current_version
    found = PromptVersion.objects.filter(template=template, version=number).first()
    if found is None:
        raise NotFound(f"{template.name} has no version {number}.")
    return found


def template_render(*, template: PromptTemplate, variables: dict[str, Any], version: int | None = None) -> str:
    """The text of a version (the current one by default) rendered with ``variables``."""
    return rendering.render(version_get(template=template, version=version).text, variables)


def template_run(
    *, template: PromptTemplate, variables: dict[str, Any], user: Any, caller: str, model: str | None = None,
    version: int | None = None,
) -> PromptRun:  # fmt: skip
    """Render a version and send it to the model gateway (its failures propagate: 503...).
    The call is linked to the version so feedback on it counts towards the version."""
    chosen = version_get(template=template, version=version)
    prompt = rendering.render(chosen.text, variables)
    answer = generate(prompt=prompt, caller=caller, user=user, model=model, use_case=template.use_case)
    PromptUse.objects.create(version=chosen, llm_request_id=answer.request_id, created_by=_user(user))
    return PromptRun(version=chosen, prompt=prompt, answer=answer)
