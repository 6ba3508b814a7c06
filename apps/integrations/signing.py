"""Webhook signatures, shared by outbound deliveries and inbound webhook triggers.

A signed request carries these headers::

    X-StoryPortal-Event: WorkflowCompleted
    X-StoryPortal-Delivery: <delivery id, the same on every retry: dedupe on it>
    X-StoryPortal-Timestamp: <unix seconds when this attempt was sent>
    X-StoryPortal-Signature: sha256=<hex HMAC-SHA256(secret, b"<timestamp>." + raw body)>

To verify, recompute the HMAC over the timestamp header, a dot and the raw body bytes (before
any JSON parsing), compare in constant time, and refuse timestamps more than five minutes
away from now, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

EVENT_HEADER = "X-StoryPortal-Event"
DELIVERY_HEADER = "X-StoryPortal-Delivery"
TIMESTAMP_HEADER = "X-StoryPortal-Timestamp"
SIGNATURE_HEADER = "X-StoryPortal-Signature"
SCHEME = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-StoryPortal-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def verify(
    secret: str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``signature`` is ours for this body and timestamp, and the timestamp is within
    ``tolerance`` seconds of ``now``. ``timestamp`` may be the header's text."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body).encode(), (signature or "").encode())
