"""Signatures: what receivers (and inbound webhook triggers) check."""

from __future__ import annotations

import hashlib
import hmac

from apps.integrations.signing import sign, verify

SECRET = "whsec_test"
BODY = b'{"event":"WorkflowCompleted"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, BODY) == f"sha256={expected}"


def test_verify_accepts_a_fresh_signature_and_the_header_text() -> None:
    signature = sign(SECRET, 1700000000, BODY)
    assert verify(SECRET, 1700000000, BODY, signature, now=1700000000)
    assert verify(SECRET, "1700000000", BODY, signature, now=1700000299)


def test_verify_rejects_wrong_secret_tampered_body_and_bad_signatures() -> None:
    signature = sign(SECRET, 1700000000, BODY)
    assert not verify("whsec_other", 1700000000, BODY, signature, now=1700000000)
    assert not verify(SECRET, 1700000000, BODY + b" ", signature, now=1700000000)
    assert not verify(SECRET, 1700000001, BODY, signature, now=1700000000)
    assert not verify(SECRET, 1700000000, BODY, signature.removeprefix("sha256="), now=1700000000)
    assert not verify(SECRET, 1700000000, BODY, "sha256=é", now=1700000000)
    assert not verify(SECRET, "soon", BODY, signature, now=1700000000)


def test_verify_rejects_timestamps_outside_the_tolerance() -> None:
    signature = sign(SECRET, 1700000000, BODY)
    assert not verify(SECRET, 1700000000, BODY, signature, now=1700000301)
    assert not verify(SECRET, 1700000000, BODY, signature, now=1699999699)
    assert verify(SECRET, 1700000000, BODY, signature, tolerance=600, now=1700000599)
