"""Writes on workflows: definitions and versions (:mod:`.definitions`), runs and steps
(:mod:`.runs`, :mod:`.steps`), approvals (:mod:`.approvals`)."""
