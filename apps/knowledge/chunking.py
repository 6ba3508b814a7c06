"""Cutting a long text into chunks of about ``CHUNK_CHARS`` characters along paragraphs."""

from __future__ import annotations

import re

CHUNK_CHARS = 1000
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\f\v]+")


def _pieces(paragraph: str, size: int) -> list[str]:
    """A paragraph longer than ``size`` cut after a sentence, else at a space, else anywhere."""
    pieces = []
    while len(paragraph) > size:
        cut = paragraph.rfind(". ", 0, size) + 1 or paragraph.rfind(" ", 0, size)
        cut = cut if cut > size // 4 else size  # no early break: cut mid-word rather than tiny pieces
        pieces.append(paragraph[:cut].strip())
        paragraph = paragraph[cut:].strip()
    return [*pieces, paragraph] if paragraph else pieces


def chunk_text(text: str, *, size: int = CHUNK_CHARS) -> list[str]:
    """Paragraphs (split at blank lines) packed into chunks of at most ``size`` characters;
    a paragraph longer than that is cut into pieces of its own."""
    paragraphs = (_SPACES.sub(" ", part).strip() for part in _PARAGRAPH.split(text))
    chunks: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, size) if paragraph else []:
            if current and len(current) + 2 + len(piece) > size:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    return [*chunks, current] if current else chunks
