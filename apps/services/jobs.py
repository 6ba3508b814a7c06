"""Background service calls (JobRunner): a job row is written with the call and the scopes it
may use, a Celery task claims it and makes the call through :func:`invoke`, so a background
call is authorised, validated, time-limited and recorded exactly like a direct one."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.scopes import ADMIN, READ
from apps.monitoring.redaction import REDACTED, is_secret_key
from apps.services.invocation import InvocationError, authorize, invoke, validate_params
from apps.services.models import JobStatus, ServiceJob
from apps.services.registry import Caller, MethodError, load_catalog
from apps.workflows.executors import WORKFLOW_CLIENT

logger = logging.getLogger(__name__)

JOB_RUNNER = "JobRunner"
# The Caller.client of calls made by jobs.
JOB_CLIENT = "service-job:"


def job_submit(*, caller: Caller, service_name: str, method_name: str, params: dict[str, Any]) -> ServiceJob:
    """Queue a call; refused now (404, 403, 400) for what would certainly fail later. The
    task is sent once the row is committed."""
    if service_name == JOB_RUNNER:
        raise MethodError(400, "A job cannot submit jobs: call the method directly.")
    if (caller.client or "").startswith(WORKFLOW_CLIENT):
        # A job runs as the user, not as the run: it would lose the mark that keeps workflows
        # from deciding approvals (and from anything else reserved to people).
        raise MethodError(403, "Workflow steps cannot submit background jobs; a step already runs in the background.")
    try:
        _, spec = authorize(service_name=service_name, method_name=method_name, scopes=caller.scopes)
        validate_params(spec, params)
    except InvocationError as exc:
        raise MethodError(exc.status, exc.message, exc.details) from exc
    if spec.secret_result:
        raise MethodError(
            400,
            f"{service_name}.{method_name} returns a secret shown once, which a job would have to store; "
            "call it directly.",
        )
    job = ServiceJob.objects.create(
        user=caller.user, service_name=service_name, method=method_name, params=params, scopes=sorted(caller.scopes)
    )
    from apps.services.tasks import run_job

    # robust: a broker that is down must not fail the submission; the job stays queued.
    transaction.on_commit(lambda: run_job.delay(str(job.id)), robust=True)
    return job


def job_list(*, caller: Caller) -> QuerySet[ServiceJob]:
    """The caller's jobs; everyone's for admin:platform."""
    jobs = ServiceJob.objects.select_related("user")
    return jobs if ADMIN in caller.scopes else jobs.filter(user_id=caller.user.pk)


def _claim(job_id: uuid.UUID | str) -> bool:
    # The conditional UPDATE is the lock: of two deliveries of the task (a redelivery after
    # a lost ack), only the one that moves the row out of "queued" runs the call.
    claimed = ServiceJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    return claimed == 1


def without_secrets(value: Any) -> Any:
    """``value`` with every secret-named field (token, password, authorization, ...) masked,
    at any depth; nothing else is cut, so a job's result stays whole."""
    if isinstance(value, dict):
        return {key: REDACTED if is_secret_key(str(key)) else without_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


def _finish(job_id: uuid.UUID | str, params: Any, **fields: Any) -> None:
    """End a running job. What it was called with and what it returned stay readable for
    its owner, with secret-named fields masked (the call record keeps only a digest)."""
    if "result" in fields:
        fields["result"] = without_secrets(fields["result"])
    ServiceJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        finished_at=timezone.now(), params=without_secrets(params), **fields
    )


def job_run(job_id: uuid.UUID | str) -> str | None:
    """Run a queued job once; its status afterwards, or None when it was not queued."""
    if not _claim(job_id):
        return None
    job = ServiceJob.objects.select_related("user").get(pk=job_id)
    user = job.user
    # Scopes shrink with the user's role: a job queued by an operator since demoted to
    # viewer may no longer write; a deactivated user's jobs may do nothing.
    scopes = frozenset(job.scopes) & (user.scopes if user is not None else frozenset())
    if user is None or READ not in scopes:
        refused = "The user who submitted this job may no longer call services."
        _finish(job.pk, job.params, status=JobStatus.FAILED, error=refused, error_status=403)
        return JobStatus.FAILED
    caller = Caller(user=user, scopes=scopes, client=f"{JOB_CLIENT}{job.pk}")
    try:
        call = invoke(service_name=job.service_name, method_name=job.method, params=job.params, caller=caller)
    except InvocationError as exc:
        status = JobStatus.TIMED_OUT if exc.status == 504 and exc.code == "timeout" else JobStatus.FAILED
        _finish(job.pk, job.params, status=status, error=exc.message, error_status=exc.status)
        return status
    except Exception as exc:
        logger.exception("service job %s failed", job.pk)
        _finish(
            job.pk,
            job.params,
            status=JobStatus.FAILED,
            error=f"internal error ({type(exc).__name__})",
            error_status=500,
        )
        return JobStatus.FAILED
    _finish(job.pk, job.params, status=JobStatus.SUCCEEDED, result=call.result, invocation_id=call.invocation_id)
    return JobStatus.SUCCEEDED


# How long past its method's time limit a running job may stay running before it is taken
# for lost (its worker was killed): the limit is enforced inside the call, so a job still
# "running" well after it can only be one nobody is running any more.
LOST_AFTER_SECONDS = 120


def jobs_expire(*, now: datetime | None = None) -> int:
    """Fail the running jobs whose worker died (beat, every minute); returns how many."""
    moment = now or timezone.now()
    catalog = load_catalog()
    expired = 0
    for job in ServiceJob.objects.filter(status=JobStatus.RUNNING, started_at__isnull=False).only(
        "id", "service_name", "method", "started_at", "params"
    ):
        spec = catalog.get(job.service_name)
        method = spec.methods.get(job.method) if spec else None
        limit = method.timeout if method else 30.0
        if job.started_at is not None and moment - job.started_at > timedelta(seconds=limit + LOST_AFTER_SECONDS):
            lost = "The worker running this job stopped before it finished; submit it again."
            # Conditional on still running: a job that finishes meanwhile keeps its outcome.
            _finish(job.pk, job.params, status=JobStatus.FAILED, error=lost, error_status=500)
            expired += 1
    return expired
