"""A readable difference between two versions of a workflow: which steps were added,
removed or changed (and how), and a unified diff of the whole definition."""

from __future__ import annotations

import difflib
import json
from typing import Any

from apps.workflows.models import WorkflowVersion


def _lines(definition: dict[str, Any]) -> list[str]:
    return json.dumps(definition, indent=2, sort_keys=True, ensure_ascii=False).splitlines(keepends=True)


def _steps(version: WorkflowVersion) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in version.steps}


def version_diff(old: WorkflowVersion, new: WorkflowVersion) -> dict[str, Any]:
    before, after = _steps(old), _steps(new)
    changed = []
    for step_id in sorted(before.keys() & after.keys()):
        fields = sorted(k for k in before[step_id].keys() | after[step_id].keys()
                        if before[step_id].get(k) != after[step_id].get(k))  # fmt: skip
        if fields:
            changed.append({"id": step_id, "fields": fields})
    other = [
        field
        for field in ("name", "description", "inputs_schema", "outputs")
        if getattr(old, field) != getattr(new, field)
    ]
    unified = difflib.unified_diff(
        _lines(old.definition()), _lines(new.definition()), fromfile=f"v{old.version}", tofile=f"v{new.version}"
    )
    return {
        "from_version": old.version,
        "to_version": new.version,
        "steps_added": sorted(after.keys() - before.keys()),
        "steps_removed": sorted(before.keys() - after.keys()),
        "steps_changed": changed,
        "fields_changed": other,
        "unified_diff": "".join(unified),
    }
