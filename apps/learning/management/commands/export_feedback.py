"""``manage.py export_feedback``: the learning export (runs or model calls with their
feedback) as a JSON Lines file, the same lines ``GET /api/v1/learning/export/`` streams."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from apps.learning.export import SUBJECTS, ExportFilter, export_lines
from storyportal.api.exceptions import DomainError


class Command(BaseCommand):
    help = "Export workflow runs or LLM requests with their feedback as JSON Lines (for fine-tuning or evaluation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subject", choices=sorted(SUBJECTS), required=True)
        parser.add_argument("--out", default="-", help="file to write; - (the default) for standard output")
        parser.add_argument("--workflow", type=uuid.UUID, help="only runs of this workflow (id)")
        parser.add_argument("--since", help="only rows created at or after this ISO 8601 time")
        parser.add_argument("--min-score", type=float, help="only rows whose average score is at least this")
        parser.add_argument("--limit", type=int, help="at most this many rows")

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_datetime(options["since"]) if options["since"] else None
        if options["since"] and since is None:
            raise CommandError(f"--since {options['since']!r} is not an ISO 8601 time")
        spec = ExportFilter(subject=options["subject"], workflow=options["workflow"], since=since,
                            min_score=options["min_score"], limit=options["limit"])  # fmt: skip
        try:
            lines = export_lines(spec)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["out"] == "-":
            self._write(lines, lambda line: self.stdout.write(line, ending=""))
            return
        with open(options["out"], "w", encoding="utf-8") as out:
            count = self._write(lines, out.write)
        self.stderr.write(f"wrote {count} lines to {options['out']}")

    @staticmethod
    def _write(lines: Iterator[str], write: Callable[[str], Any]) -> int:
        count = 0
        for line in lines:
            write(line)
            count += 1
        return count
