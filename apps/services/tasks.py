"""Celery tasks of the service hub (thin: the work is in :mod:`apps.services.embeddings`)."""

from __future__ import annotations

import logging
from typing import Any

from apps.llm.errors import ModelGatewayError
from apps.services.embeddings import catalog_embed
from apps.services.jobs import job_run, jobs_expire
from storyportal.celery import app

logger = logging.getLogger(__name__)


@app.task(name="services.embed_catalog", ignore_result=False)
def embed_catalog() -> dict[str, Any]:
    """Keep the catalog's embeddings current (beat runs it every few minutes; a no-op when
    nothing changed, a logged skip while Ollama is unavailable)."""
    try:
        result = catalog_embed()
    except ModelGatewayError as exc:
        logger.info("catalog embeddings skipped: %s", exc.message)
        return {"status": "skipped", "reason": exc.message}
    return {"status": "ok", "model": result.model, "embedded": result.embedded, "current": result.current}


@app.task(name="services.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: str) -> str | None:
    """Run a JobRunner job (sent once its row is committed); a second delivery finds it
    claimed and does nothing."""
    return job_run(job_id)


@app.task(name="services.expire_jobs")
def expire_jobs() -> int:
    """Every minute (beat): fail the jobs whose worker died mid-call."""
    return jobs_expire()
