"""L01 KeyValueStore and LockManager, L02 QueueMonitor and JobRunner: what agents need at run
time (state, mutual exclusion, the workers, background calls)."""

from __future__ import annotations

import uuid
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from apps.monitoring import queues
from apps.services import jobs, keyvalue, locks
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.models import JobStatus, ServiceJob
from apps.services.registry import Caller, MethodError, method, service

KEY = {"type": "string", "pattern": keyvalue.KEY_PATTERN}
KV_TTL = {"type": "integer", "minimum": 1, "maximum": keyvalue.MAX_TTL, "default": 3600}


@service(
    name="KeyValueStore",
    layer="L01",
    description=(
        f"Your own keys and JSON values in Redis, each kept for a time you choose (up to 30 days; "
        f"{keyvalue.MAX_KEYS} keys per user)."
    ),
    dependencies=("redis",),
)
class KeyValueStore:
    @method(
        description="Store a JSON value (at most 64 KiB) under a key for ttl_seconds (default 1 h).",
        params=obj({"key": KEY, "value": {}, "ttl_seconds": KV_TTL}, "key", "value"),
        result=obj({"key": {"type": "string"}, "ttl_seconds": {"type": "integer"}, "keys": {"type": "integer"}}),
        writes=True,
    )
    def set(self, caller: Caller, key: str, value: Any, ttl_seconds: int = 3600) -> dict[str, Any]:
        stored = keyvalue.value_set(user_id=caller.user.pk, key=key, value=value, ttl_seconds=ttl_seconds)
        return {"key": stored.key, "ttl_seconds": stored.ttl_seconds, "keys": stored.keys}

    @method(
        description="A key's value and the seconds it has left; 404 once it expired.",
        params=obj({"key": KEY}, "key"),
        result=obj({"key": {"type": "string"}, "value": {}, "ttl_seconds": {"type": "integer"}}),
    )
    def get(self, caller: Caller, key: str) -> dict[str, Any]:
        value, ttl = keyvalue.value_get(user_id=caller.user.pk, key=key)
        return {"key": key, "value": value, "ttl_seconds": ttl}

    @method(
        description="Delete a key (404 if it is not there).",
        params=obj({"key": KEY}, "key"),
        result=obj({"key": {"type": "string"}, "deleted": {"type": "boolean"}}),
        writes=True,
    )
    def delete(self, caller: Caller, key: str) -> dict[str, Any]:
        keyvalue.value_delete(user_id=caller.user.pk, key=key)
        return {"key": key, "deleted": True}

    @method(
        description="Your live keys, sorted, optionally those starting with a prefix, with the seconds each has left.",
        params=obj({"prefix": {"type": "string", "maxLength": 200}, "limit": {**LIMIT, "maximum": keyvalue.MAX_KEYS}}),
        result=obj({"count": {"type": "integer"}, "keys": {"type": "array"}}, "count", "keys"),
    )
    def keys(self, caller: Caller, prefix: str = "", limit: int = 20) -> dict[str, Any]:
        found = keyvalue.key_list(user_id=caller.user.pk, prefix=prefix)
        return {"count": len(found), "keys": [{"key": k, "ttl_seconds": ttl} for k, ttl in found[:limit]]}


LOCK_NAME = {"type": "string", "pattern": keyvalue.KEY_PATTERN}
LOCK_TTL = {"type": "integer", "minimum": 1, "maximum": locks.MAX_TTL}
TOKEN = {"type": "string", "minLength": 1, "maxLength": 100}
LOCK = obj({"name": {"type": "string"}, "held": {"type": "boolean"}, "ttl_seconds": {"type": ["number", "null"]}})


@service(
    name="LockManager",
    layer="L01",
    description="Distributed mutual-exclusion locks for agents in Redis: acquire with a token, extend, release.",
    dependencies=("redis",),
)
class LockManager:
    @method(
        description="Take a lock for ttl_seconds (1 s to 1 h): its token, or 409 with the ttl_seconds it is held for.",
        params=obj({"name": LOCK_NAME, "ttl_seconds": LOCK_TTL}, "name", "ttl_seconds"),
        result=obj({"name": {"type": "string"}, "token": {"type": "string"}, "ttl_seconds": {"type": "integer"}}),
        writes=True,
        secret_result=True,
    )
    def acquire(self, caller: Caller, name: str, ttl_seconds: int) -> dict[str, Any]:
        return {"name": name, "token": locks.lock_acquire(name=name, ttl_seconds=ttl_seconds),
                "ttl_seconds": ttl_seconds}  # fmt: skip

    @method(
        description="Release a lock you hold (409 if the token is not the holder's, 404 if nobody holds it).",
        params=obj({"name": LOCK_NAME, "token": TOKEN}, "name", "token"),
        result=LOCK,
        writes=True,
    )
    def release(self, caller: Caller, name: str, token: str) -> dict[str, Any]:
        locks.lock_release(name=name, token=token)
        return {"name": name, "held": False, "ttl_seconds": None}

    @method(
        description="Keep a lock you hold for ttl_seconds from now.",
        params=obj({"name": LOCK_NAME, "token": TOKEN, "ttl_seconds": LOCK_TTL}, "name", "token", "ttl_seconds"),
        result=LOCK,
        writes=True,
    )
    def extend(self, caller: Caller, name: str, token: str, ttl_seconds: int) -> dict[str, Any]:
        locks.lock_extend(name=name, token=token, ttl_seconds=ttl_seconds)
        return {"name": name, "held": True, "ttl_seconds": ttl_seconds}

    @method(
        description="Whether a lock is held, and for how long.", params=obj({"name": LOCK_NAME}, "name"), result=LOCK
    )
    def status(self, caller: Caller, name: str) -> dict[str, Any]:
        ttl = locks.lock_ttl(name=name)
        return {"name": name, "held": ttl is not None, "ttl_seconds": ttl}


@service(
    name="QueueMonitor",
    layer="L02",
    description="Celery task queues: how many tasks wait in each (broker Redis), and which workers answer a ping.",
    dependencies=("redis",),
)
class QueueMonitor:
    @method(
        description="Tasks waiting in each configured Celery queue, and their total.",
        result=obj({"queues": {"type": "object"}, "total": {"type": "integer"}}, "queues", "total"),
        timeout=5,
    )
    def depths(self, caller: Caller) -> dict[str, Any]:
        try:
            depths = queues.queue_depths()
        except (BrokerError, RedisError) as exc:
            raise MethodError(503, "The Celery broker (Redis) is unreachable.") from exc
        return {"queues": depths, "total": sum(depths.values())}

    @method(
        description="The Celery workers that answer a ping within timeout_seconds (default 1).",
        params=obj({"timeout_seconds": {"type": "number", "minimum": 0.1, "maximum": 3, "default": 1}}),
        result=obj({"count": {"type": "integer"}, "workers": {"type": "array"}}, "count", "workers"),
        timeout=5,
    )
    def workers(self, caller: Caller, timeout_seconds: float = 1.0) -> dict[str, Any]:
        try:
            names = queues.workers(timeout=timeout_seconds)
        except (BrokerError, RedisError) as exc:
            raise MethodError(503, "The Celery broker (Redis) is unreachable.") from exc
        return {"count": len(names), "workers": names}


JOB = obj(
    {"id": UUID, "service_name": {"type": "string"}, "method": {"type": "string"}, "status": {"type": "string"},
     "result": {}, "error": {"type": "string"}, "error_status": {"type": ["integer", "null"]},
     "invocation_id": {"type": ["string", "null"]}, "submitted_by": {"type": ["string", "null"]},
     "created_at": {"type": "string"}, "started_at": {"type": ["string", "null"]},
     "finished_at": {"type": ["string", "null"]}},
    "id", "status",
)  # fmt: skip
NAME = {"type": "string", "minLength": 1, "maxLength": 100}


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _job(job: ServiceJob, *, result: bool = True) -> dict[str, Any]:
    body = {
        "id": str(job.id), "service_name": job.service_name, "method": job.method, "status": job.status,
        "error": job.error, "error_status": job.error_status,
        "invocation_id": str(job.invocation_id) if job.invocation_id else None,
        "submitted_by": job.user.get_username() if job.user else None, "created_at": _when(job.created_at),
        "started_at": _when(job.started_at), "finished_at": _when(job.finished_at),
    }  # fmt: skip
    return {**body, "result": job.result} if result else body


@service(
    name="JobRunner",
    layer="L02",
    description="Run any hub service method in the background on a Celery worker; follow the job to its result.",
    dependencies=("postgres", "redis"),
)
class JobRunner:
    @method(
        description="Queue a call of service_name.method with params, checked now, run with your current scopes.",
        params=obj({"service_name": NAME, "method": NAME, "params": {"type": "object"}}, "service_name", "method"),
        result=JOB,
        writes=True,
    )
    def submit(
        self, caller: Caller, service_name: str, method: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        job = jobs.job_submit(caller=caller, service_name=service_name, method_name=method, params=params or {})
        return _job(job)

    @method(
        description="A job's status, and its result or error once it ended (your jobs; any with admin:platform).",
        params=obj({"job_id": UUID}, "job_id"),
        result=JOB,
    )
    def status(self, caller: Caller, job_id: str) -> dict[str, Any]:
        try:
            job = jobs.job_list(caller=caller).filter(pk=uuid.UUID(job_id)).first()
        except ValueError:
            raise MethodError(400, "job_id must be a UUID.") from None
        if job is None:
            raise MethodError(404, f"You have no job {job_id}.")
        return _job(job)

    @method(
        description="Your jobs, newest first, optionally in one status (everyone's with admin:platform).",
        params=obj({"status": {"enum": list(JobStatus.values)}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "jobs": {"type": "array"}}, "count", "jobs"),
    )
    def list(self, caller: Caller, status: str | None = None, limit: int = 20) -> dict[str, Any]:
        found = jobs.job_list(caller=caller)
        found = found.filter(status=status) if status else found
        return {"count": found.count(), "jobs": [_job(j, result=False) for j in found[:limit]]}
