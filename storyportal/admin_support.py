"""Helpers for admin classes that save through the services instead of ``Model.save()``."""

from __future__ import annotations

from django.db.models import Model


def adopt_saved(target: Model, saved: Model) -> None:
    """Make the admin's instance the row the service saved (its id, status, timestamps), so
    the admin's redirect, change message and related saves refer to it."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db
