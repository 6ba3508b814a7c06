"""Development: debug on, embedded servers when no URLs are given, a generated secret key."""

from __future__ import annotations

import secrets

from storyportal import conf
from storyportal.embedded import var_dir

if not (conf.get("DATABASE_URL") and conf.get("REDIS_URL")):
    # Find or start the embedded servers; this exports DATABASE_URL / REDIS_URL so that
    # base (imported next) and every child process see them.
    from storyportal.embedded.servers import ensure

    ensure(announce=False)

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS


def _dev_secret_key() -> str:
    """One random key per checkout, kept in var/ so sessions survive a restart."""
    path = var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = conf.get_bool("DJANGO_DEBUG", True)
SECRET_KEY = conf.get_str("DJANGO_SECRET_KEY") or _dev_secret_key()
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
