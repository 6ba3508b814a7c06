"""Signals other apps follow without the workflow engine knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that ends a run (succeeded, failed or cancelled), after its
# ``WorkflowCompleted`` event; receivers get ``run`` and may lock rows of their own.
run_finished = Signal()
