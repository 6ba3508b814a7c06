"""Celery as the broker and the workers see it: how many tasks wait in each queue, and which
workers answer. Read straight from the broker's Redis database and Celery's remote control,
so the numbers are the ones the workers act on."""

from __future__ import annotations

from typing import Any

from storyportal.celery import app

__all__ = ["configured_queues", "queue_depths", "workers"]


def _name(queue: Any) -> str:
    return queue if isinstance(queue, str) else str(queue.name)


def configured_queues() -> list[str]:
    """The default queue, the declared ones (``task_queues``) and those routes send to."""
    conf = app.conf
    names = {conf.task_default_queue, *(_name(q) for q in conf.task_queues or ())}
    routes = conf.task_routes if isinstance(conf.task_routes, dict) else {}
    names |= {_name(route["queue"]) for route in routes.values() if isinstance(route, dict) and route.get("queue")}
    return sorted(names)


def queue_depths() -> dict[str, int]:
    """Tasks waiting in each configured queue (taken but unacknowledged ones not counted).

    kombu's Redis transport keeps a queue as one list per priority step (``name`` for the
    lowest, ``name<sep><priority>`` for the others), so a queue's depth is their sum; all of
    them are read in one pipelined round trip."""
    names = configured_queues()
    with app.connection_for_read() as connection:
        # One quick retry, not the broker's patient policy: a caller is waiting.
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        channel: Any = connection.default_channel
        steps = list(channel.priority_steps)
        with channel.client.pipeline(transaction=False) as pipe:
            for name in names:
                for step in steps:
                    pipe.llen(f"{name}{channel.sep}{step}" if step else name)
            sizes = pipe.execute()
    return {name: sum(sizes[i * len(steps) : (i + 1) * len(steps)]) for i, name in enumerate(names)}


def workers(timeout: float = 1.0) -> list[str]:
    """Names of the workers that answer a ping within ``timeout`` seconds (the call always
    waits that long: Celery cannot know how many workers there are)."""
    replies = app.control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)
