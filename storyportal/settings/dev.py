"""Development: debug on, embedded servers when no URLs are given, a generated secret key."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from storyportal import conf
from storyportal.embedded import var_dir

if not (conf.get("DATABASE_URL") and conf.get("REDIS_URL")):
    # Find or start the embedded servers; this exports DATABASE_URL / REDIS_URL so that
    # base (imported next) and every child process see them.
    from storyportal.embedded.servers import ensure

    ensure(announce=False)

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, API_KEY_SALT, JWT_PRIVATE_KEY, JWT_PUBLIC_KEY, jwt_settings


def _dev_secret(name: str, make: Callable[[], str]) -> str:
    """A secret generated once per checkout and kept in var/, so sessions, tokens and API
    keys survive a restart."""
    path = var_dir() / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


def _rsa_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _dev_jwt_keys() -> tuple[str, str]:
    if not (var_dir() / "jwt_private.pem").exists():
        private, public = _rsa_pair()
        _dev_secret("jwt_public.pem", lambda: public)
        _dev_secret("jwt_private.pem", lambda: private)
    return _dev_secret("jwt_private.pem", str), _dev_secret("jwt_public.pem", str)


DEBUG = conf.get_bool("DJANGO_DEBUG", True)
SECRET_KEY = conf.get_str("DJANGO_SECRET_KEY") or _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))
API_KEY_SALT = API_KEY_SALT or _dev_secret("api_key_salt", lambda: secrets.token_urlsafe(32))
if not (JWT_PRIVATE_KEY and JWT_PUBLIC_KEY):
    JWT_PRIVATE_KEY, JWT_PUBLIC_KEY = _dev_jwt_keys()
SIMPLE_JWT = jwt_settings(JWT_PRIVATE_KEY, JWT_PUBLIC_KEY)
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
