"""Removing secrets from a log record before it leaves the process on the ``logs`` channel.

Two nets: any field whose name says it holds a credential is replaced whole, and every string
is scrubbed of things that look like one wherever they appear (an exception message quoting a
URL with a password, a header pasted into a message).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
MAX_DEPTH = 6
MAX_STRING = 4000
# Field names (lower-cased, with - as _) whose values are dropped whatever they look like.
SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie",
                    "credential", "private_key", "session", "signature", "dsn")  # fmt: skip
EXACT_SECRET_KEYS = frozenset({"key", "access", "refresh", "jwt", "auth", "x_api_key"})

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host -> scheme://user:[redacted]@host (database and broker URLs)
    (re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)", re.I), rf"\g<head>{REDACTED}"),
    # Authorization: Bearer xxx / Basic xxx, and "Bearer xxx" anywhere
    (re.compile(r"\b(?P<head>(?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}", re.I), rf"\g<head>{REDACTED}"),
    # JSON Web Tokens: three base64url parts, the first two starting with {" encoded
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # Platform and common provider keys: sp_live_..., sk_... / sk-..., whsec_..., whk_..., ghp_...
    (re.compile(r"\b(?:sp_(?:live|test)_|sk[_-](?:live_|test_|proj-)?|whsec_|whk_|ghp_|xox[bap]-)[A-Za-z0-9_-]{8,}"),
     REDACTED),
    # password=..., token: ..., api_key=... inside free text (query strings, messages)
    (re.compile(r"(?P<head>\b(?:password|passwd|pwd|secret|token|api[_-]?key|access_token|refresh_token)"
                r"[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+", re.I), rf"\g<head>{REDACTED}"),
)  # fmt: skip


def is_secret_key(name: str) -> bool:
    normal = name.lower().replace("-", "_")
    if normal.endswith("tokens"):  # prompt_tokens, max_tokens: counts, not credentials
        return False
    return normal in EXACT_SECRET_KEYS or any(part in normal for part in SECRET_KEY_PARTS)


def scrub(text: str) -> str:
    """``text`` with every credential-looking part replaced (and cut to ``MAX_STRING``)."""
    text = text[:MAX_STRING]
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of ``value`` without secrets: secret-named fields replaced, strings
    scrubbed, anything else turned into its scrubbed ``str``."""
    if depth > MAX_DEPTH:
        return "[truncated]"
    if isinstance(value, dict):
        return {
            str(key): REDACTED if is_secret_key(str(key)) else redact(item, depth + 1) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, depth + 1) for item in list(value)[:100]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(value if isinstance(value, str) else str(value))
