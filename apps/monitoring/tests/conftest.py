"""Fixtures of the monitoring tests: rules of the test's own, a client that gets 500s as
responses, and the webhook receiver of the integrations tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.integrations.tests.conftest import receiver  # noqa: F401 - a fixture
from apps.monitoring import rules
from apps.monitoring.models import Alert, AlertRule

TEST_URLCONF = "apps.monitoring.tests.urls"


@pytest.fixture(autouse=True)
def _no_stray_requests() -> None:
    """Requests of earlier tests may still sit in this process's tally (written within a
    second): they must not count in this test's statistics."""
    from apps.monitoring.request_stats import KEY, discard
    from storyportal import kv

    discard()
    stale = list(kv.client().scan_iter(KEY.format(minute="*")))
    if stale:
        kv.client().delete(*stale)


@pytest.fixture
def only_rules(db) -> Callable[..., AlertRule]:
    """Removes the seeded rules; ``only_rules(name=..., kind=..., ...)`` adds one."""
    Alert.objects.all().delete()
    AlertRule.objects.all().delete()

    def make(**fields: Any) -> AlertRule:
        fields.setdefault("severity", "critical")
        return rules.alert_rule_create(**fields)

    return make


@pytest.fixture
def site(settings) -> Client:
    """A client on the site with the test-only endpoints; a view's crash is a 500 response."""
    settings.ROOT_URLCONF = TEST_URLCONF
    return Client(raise_request_exception=False)
