"""Tests: the same real servers as development, on their own Redis databases."""

from __future__ import annotations

import os

# Redis databases 10+ keep a test run from touching a running `make run` on the same server.
os.environ.setdefault("REDIS_DB_OFFSET", "10")

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BEAT_SCHEDULE = {}  # tests run periodic jobs themselves

# One test database per run, so two runs on the same embedded server never drop each other's.
if "default" in DATABASES:  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_storyportal_{os.getpid()}"}  # noqa: F405

# Nothing listens on the discard port: tests that want a model server start the stand-in
# (tests/support/ollama.py) and point OLLAMA_URL at it; a developer's own Ollama is never used.
# TEST_OLLAMA_URL (a test-only name) lets tests point their live server and workers at the stand-in.
OLLAMA_URL = os.environ.get("TEST_OLLAMA_URL", "http://127.0.0.1:9")
