"""Which model serves which use case (spec 1.3); settings ``LLM_MODELS`` override each."""

from __future__ import annotations

from django.conf import settings

USE_CASES = ("chat", "code", "runtime", "embeddings")


def model_for(use_case: str) -> str:
    models: dict[str, str | None] = settings.LLM_MODELS
    model = models.get(use_case)
    if not model:
        raise KeyError(f"no model for use case {use_case!r}; configured: {', '.join(sorted(models))}")
    return model
