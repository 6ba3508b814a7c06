"""Knowledge's refusals (each maps to a status in the envelope)."""

from __future__ import annotations

from rest_framework import status

from storyportal.api.exceptions import DomainError


class DocumentInvalid(DomainError):
    """A document with no text, or more than the size limit."""


class NotFound(DomainError):
    """A collection or a document the caller does not have."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class FetchFailed(DomainError):
    """The page could not be fetched: the host did not answer, or not in time."""

    status_code = status.HTTP_502_BAD_GATEWAY
    code = "bad_gateway"


class NotReadable(DomainError):
    """The page is not HTML or text (an image, a PDF...)."""

    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_media_type"
