"""The planner's refusals (each maps to a status in the envelope)."""

from __future__ import annotations

from storyportal.api.exceptions import Conflict


class DraftDecided(Conflict):
    """The draft was already accepted or rejected: it no longer changes."""


class WorkflowNameTaken(Conflict):
    """Accepting would create a workflow under a name a live workflow has."""
