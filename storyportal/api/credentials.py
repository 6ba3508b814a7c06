"""API key material: generation, format check and the salted hash that is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_PREFIX = "sp_live_"
KEY_BODY_LENGTH = 32
VISIBLE_LENGTH = len(KEY_PREFIX) + 6
_ALPHABET = string.ascii_letters + string.digits
_FORMAT = re.compile(rf"^{KEY_PREFIX}[A-Za-z0-9]{{{KEY_BODY_LENGTH}}}$")


def generate_key() -> str:
    """``sp_live_`` + 32 alphanumerics from :mod:`secrets` (about 190 bits)."""
    return KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(KEY_BODY_LENGTH))


def is_well_formed(candidate: str) -> bool:
    return bool(_FORMAT.match(candidate))


def key_hash(key: str) -> str:
    """HMAC-SHA256 of the key under ``API_KEY_SALT``: what the database keeps."""
    salt = settings.API_KEY_SALT
    if not salt:
        raise ImproperlyConfigured("API_KEY_SALT is not set.")
    return hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()


def visible_prefix(key: str) -> str:
    return key[:VISIBLE_LENGTH]


def hashes_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
