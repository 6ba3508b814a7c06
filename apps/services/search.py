"""Service search (issue 4 point 7): typo-tolerant matching with rapidfuzz (Levenshtein-based)
over names, method names and descriptions, merged with semantic similarity (pgvector, see
:mod:`apps.services.semantic`) when it is available. A service's score is the better of the
two, on one 0-100 scale; ``match`` says which one found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, utils

from apps.services.models import Service

MAX_RESULTS = 20
MIN_SCORE = 60.0
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float
    match: str

    def document(self) -> dict[str, Any]:
        return {
            "name": self.service.name,
            "layer": self.service.layer,
            "description": self.service.description,
            "score": round(self.score / 100, 3),
            "match": self.match,
        }


def words(name: str) -> str:
    """``AgentRegistry`` -> ``agent registry``, so a query of words can match a name."""
    return _CAMEL.sub(" ", name).lower()


def _score(query: str, service: Service) -> Hit | None:
    q = utils.default_process(query)
    name_words = words(service.name)
    if q in {service.name.lower(), name_words} or q.replace(" ", "") == service.name.lower():
        return Hit(service, 100.0, "exact")
    candidates = [
        fuzz.token_sort_ratio(q, name_words),
        fuzz.ratio(q.replace(" ", ""), service.name.lower()),
        max((fuzz.ratio(q, m.lower()) for m in service.method_names), default=0.0),
        fuzz.partial_token_set_ratio(q, utils.default_process(service.description)) * 0.9,
        # A query word close to a word of the name ("helth" ~ health) beats the same word in
        # another service's description.
        max((fuzz.ratio(qw, nw) for qw in q.split() for nw in name_words.split()), default=0.0) * 0.95,
    ]
    best = max(candidates)
    return Hit(service, best, "fuzzy") if best >= MIN_SCORE else None


def _merge(fuzzy: Hit | None, service: Service, similarity: float | None, min_similarity: float) -> Hit | None:
    if similarity is None or similarity < min_similarity:
        return fuzzy
    semantic = Hit(service, similarity * 100, "semantic")
    return fuzzy if fuzzy is not None and fuzzy.score >= semantic.score else semantic


def search(
    query: str,
    services: list[Service],
    *,
    limit: int = MAX_RESULTS,
    similarities: dict[str, float] | None = None,
    min_similarity: float = 1.0,
) -> list[Hit]:
    """Rank ``services`` for ``query``; ``similarities`` (cosine, by service name) adds
    services whose meaning is close even when no word is."""
    similarities = similarities or {}
    hits = []
    for service in services:
        hit = _merge(_score(query, service), service, similarities.get(service.name), min_similarity)
        if hit is not None:
            hits.append(hit)
    hits.sort(key=lambda hit: (-hit.score, hit.service.name))
    return hits[: min(limit, MAX_RESULTS)]
