"""The spec's alert rules (4.2): error rate over 5 % and p99 over 1000 ms in 5 minutes, a
backend down, and a queue backlog. Editable afterwards in the admin or through the API."""

import uuid

from django.db import migrations

DEFAULT_RULES = [
    {"name": "error-rate", "kind": "error_rate", "threshold": 0.05, "window_minutes": 5, "min_requests": 20,
     "severity": "critical", "description": "More than 5% of requests answered with a 5xx over 5 minutes."},
    {"name": "latency-p99", "kind": "latency_p99", "threshold": 1000, "window_minutes": 5, "min_requests": 20,
     "severity": "warning", "description": "The 99th percentile of request latency above 1000 ms over 5 minutes."},
    {"name": "postgres-down", "kind": "backend_down", "target": "postgres", "for_seconds": 30,
     "severity": "critical", "description": "PostgreSQL does not answer its health check."},
    {"name": "redis-down", "kind": "backend_down", "target": "redis", "for_seconds": 30,
     "severity": "critical", "description": "Redis does not answer its health check."},
    {"name": "ollama-down", "kind": "backend_down", "target": "ollama", "for_seconds": 60,
     "severity": "warning", "description": "Ollama is unreachable: model calls fail (the rest works)."},
    {"name": "workers-down", "kind": "backend_down", "target": "workers", "for_seconds": 60,
     "severity": "warning", "description": "No Celery worker answers: workflows and webhooks stall."},
    {"name": "queue-backlog", "kind": "queue_backlog", "threshold": 100, "for_seconds": 120,
     "severity": "warning", "description": "More than 100 tasks wait in a Celery queue for 2 minutes."},
]  # fmt: skip


def seed(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for fields in DEFAULT_RULES:
        AlertRule.objects.get_or_create(name=fields["name"], defaults={"id": uuid.uuid4(), **fields})


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_alerts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
