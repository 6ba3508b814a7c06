"""Comparing prompt versions by their feedback scores.

The statistics are the usual large-sample ones: a 95 % confidence interval of a mean is
``mean +- 1.96 * stddev / sqrt(n)`` and two versions differ significantly at 95 % when
Welch's t statistic exceeds 1.96 in absolute value (the normal approximation of the t
distribution: a little optimistic below ~30 scores per version, which the result says).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

Z_95 = 1.96
MIN_SCORES = 2  # a standard deviation needs two
LARGE_SAMPLE = 30


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    stddev: float | None

    def document(self) -> dict[str, Any]:
        low, high = self.interval()
        return {"count": self.count, "mean": _round(self.mean), "stddev": _round(self.stddev),
                "ci95": None if low is None else [_round(low), _round(high)]}  # fmt: skip

    def interval(self) -> tuple[float | None, float | None]:
        if self.mean is None or self.stddev is None:
            return None, None
        margin = Z_95 * self.stddev / math.sqrt(self.count)
        return self.mean - margin, self.mean + margin

    @property
    def variance_of_mean(self) -> float:
        return (self.stddev or 0.0) ** 2 / self.count


def summarise(scores: list[int]) -> Summary:
    mean = statistics.fmean(scores) if scores else None
    stddev = statistics.stdev(scores) if len(scores) >= MIN_SCORES else None
    return Summary(len(scores), mean, stddev)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def welch(a: Summary, b: Summary) -> dict[str, Any]:
    """The difference of means (b - a), Welch's t and its degrees of freedom, and whether it is
    significant at 95 % (normal approximation)."""
    if a.count < MIN_SCORES or b.count < MIN_SCORES or a.mean is None or b.mean is None:
        return {"difference": _difference(a, b), "t_statistic": None, "degrees_of_freedom": None,
                "significant": False, "note": f"Each version needs at least {MIN_SCORES} scores."}  # fmt: skip
    difference = b.mean - a.mean
    spread = a.variance_of_mean + b.variance_of_mean
    if spread == 0:
        note = "Every score of each version is the same: the difference has no spread to test."
        return {"difference": _round(difference), "t_statistic": None, "degrees_of_freedom": None,
                "significant": difference != 0, "note": note}  # fmt: skip
    t = difference / math.sqrt(spread)
    freedom = spread**2 / (a.variance_of_mean**2 / (a.count - 1) + b.variance_of_mean**2 / (b.count - 1))
    small = min(a.count, b.count) < LARGE_SAMPLE
    note = "Fewer than 30 scores per version: the normal approximation overstates significance." if small else ""
    return {"difference": _round(difference), "t_statistic": _round(t), "degrees_of_freedom": _round(freedom),
            "significant": abs(t) > Z_95, "note": note}  # fmt: skip


def _difference(a: Summary, b: Summary) -> float | None:
    return None if a.mean is None or b.mean is None else _round(b.mean - a.mean)


def prior_mean(scores: dict[int, list[int]], *, fallback: float) -> float:
    """The mean of every score of the template (``fallback`` when it has none)."""
    every = [score for own in scores.values() for score in own]
    return statistics.fmean(every) if every else fallback


def damped_ranking(
    scores: dict[int, list[int]], versions: list[int], *, weight: float, prior: float
) -> list[dict[str, Any]]:
    """Versions ranked by a Bayesian (damped) average: each version's scores plus ``weight``
    imaginary scores at ``prior``, so a version with two 5s does not outrank one with a
    hundred 4.8s. Ties go to the version with more scores, then to the newer one."""
    rows: list[dict[str, Any]] = []
    for version in versions:
        own = scores.get(version, [])
        damped = (weight * prior + sum(own)) / (weight + len(own)) if weight + len(own) else prior
        mean = statistics.fmean(own) if own else None
        rows.append({"version": version, "count": len(own), "mean": _round(mean), "damped_score": _round(damped)})
    rows.sort(key=lambda row: (-row["damped_score"], -row["count"], -row["version"]))
    return [{"rank": rank, **row} for rank, row in enumerate(rows, start=1)]
