"""Goal analytics (contract: ``goals/analytics/``), computed in PostgreSQL from the goals and
their progress history. Days are UTC days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q
from django.utils import timezone

from apps.goals.models import LIVE_STATUSES, Goal, GoalStatus

MAX_DAYS = 365

_MEDIAN_SECONDS = """
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM achieved_at - created_at))
    FROM goals WHERE status = 'achieved' AND achieved_at IS NOT NULL
        AND (%(owner)s::bigint IS NULL OR owner_id = %(owner)s)
"""

# For each day: goals set by its end, goals achieved by its end, and the mean progress of the
# goals as their history stood at its end (each goal's last point before the day was over).
_DAILY = """
    SELECT day::date,
        (SELECT count(*) FROM goals g
          WHERE g.created_at < day + interval '1 day' AND (%(owner)s::bigint IS NULL OR g.owner_id = %(owner)s)),
        (SELECT count(*) FROM goals g
          WHERE g.status = 'achieved' AND g.achieved_at < day + interval '1 day'
            AND (%(owner)s::bigint IS NULL OR g.owner_id = %(owner)s)),
        (SELECT avg(last.progress) FROM (
            SELECT DISTINCT ON (p.goal_id) p.progress FROM goal_progress p JOIN goals g ON g.id = p.goal_id
            WHERE p.recorded_at < day + interval '1 day' AND (%(owner)s::bigint IS NULL OR g.owner_id = %(owner)s)
            ORDER BY p.goal_id, p.recorded_at DESC, p.id DESC) AS last)
    FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz, interval '1 day') AS day
"""


def _median_seconds(owner_id: int | None) -> float | None:
    with connection.cursor() as cursor:
        cursor.execute(_MEDIAN_SECONDS, {"owner": owner_id})
        (value,) = cursor.fetchone()
    return round(float(value), 1) if value is not None else None


def _daily(days: int, owner_id: int | None, today: date) -> list[dict[str, Any]]:
    start = today - timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(_DAILY, {"owner": owner_id, "start": start.isoformat() + "T00:00:00Z",
                                "end": today.isoformat() + "T00:00:00Z"})  # fmt: skip
        rows = cursor.fetchall()
    return [
        {"date": day.isoformat(), "total": total, "achieved": achieved,
         "average_progress": round(float(avg), 1) if avg is not None else None}
        for day, total, achieved, avg in rows
    ]  # fmt: skip


def _owner_row(row: Mapping[str, Any]) -> dict[str, Any]:
    total, achieved = row["total"], row["achieved"]
    return {"owner": row["owner__username"], "total": total, "achieved": achieved,
            "completion_rate": round(achieved / total, 4)}  # fmt: skip


def goal_analytics(*, days: int = 30, owner_id: int | None = None) -> dict[str, Any]:
    """Totals, completion, time to achieve, owners, and ``days`` of daily history."""
    goals = Goal.objects.all() if owner_id is None else Goal.objects.filter(owner_id=owner_id)
    today = timezone.now().date()
    totals = goals.aggregate(
        total=Count("id"),
        achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)),
        overdue=Count("id", filter=Q(status__in=LIVE_STATUSES, target_date__lt=today)),
        average_progress=Avg("progress", filter=Q(status__in=LIVE_STATUSES)),
    )
    by_status = dict.fromkeys(GoalStatus.values, 0)
    by_status.update(dict(goals.values_list("status").annotate(n=Count("id")).values_list("status", "n")))
    owners = (
        goals.values("owner__username")
        .annotate(total=Count("id"), achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)))
        .order_by("-total", "owner__username")
    )
    average = totals["average_progress"]
    return {
        "total": totals["total"],
        "by_status": by_status,
        "completion_rate": round(totals["achieved"] / totals["total"], 4) if totals["total"] else 0.0,
        "median_time_to_achieve_seconds": _median_seconds(owner_id),
        "average_progress": round(float(average), 1) if average is not None else None,
        "overdue": totals["overdue"],
        "by_owner": [_owner_row(row) for row in owners],
        "days": _daily(days, owner_id, today),
    }
