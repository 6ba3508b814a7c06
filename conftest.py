"""Shared fixtures: the actors every endpoint is tested against, and the real servers."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Role, User
from apps.monitoring.health import startup
from apps.monitoring.health.runner import runner
from tests.support.ollama import ollama_server  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_redis_cache():
    """The cache database outlives a test's rolled-back rows (and a run's recreated test
    database): user, key and throttle entries must not leak into the next test."""
    from storyportal import kv
    from storyportal.realtime.publish import drain

    drain()  # announcements of the previous test's events must not reach this one
    kv.client().flushdb()


@pytest.fixture
def make_key():
    """``make_key(user, "read:services", ...) -> raw key`` for a key with those scopes."""
    from apps.accounts.services import api_key_create

    def make(user: User, *scopes: str, **kwargs: object) -> str:
        _, raw = api_key_create(owner=user, name=kwargs.pop("name", "test key"), scopes=list(scopes), **kwargs)  # type: ignore[arg-type]
        return raw

    return make


@pytest.fixture(autouse=True)
def _fresh_health_cache():
    """Health results are cached per process; each test sees its own dependencies."""
    runner.reset()
    startup.forget()
    yield
    runner.reset()


def _user(username: str, role: str, **extra: object) -> User:
    return User.objects.create_user(username=username, password="correct horse battery", role=role, **extra)


@pytest.fixture
def admin_user(db) -> User:
    return _user("ada", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def operator_user(db) -> User:
    return _user("otto", Role.OPERATOR)


@pytest.fixture
def viewer_user(db) -> User:
    return _user("vera", Role.VIEWER)


@pytest.fixture
def viewer_client(viewer_user: User) -> Client:
    client = Client()
    client.force_login(viewer_user)
    return client


@pytest.fixture
def staff_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker process, shared by the session's tests that need one."""
    from tests.support.worker import celery_worker as start_worker

    with django_db_blocker.unblock(), start_worker() as process:
        yield process
