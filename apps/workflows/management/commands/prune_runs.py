"""``manage.py prune_runs``: delete old runs and clear old outputs, in batches."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.workflows.services.retention import prune_preview, runs_prune


class Command(BaseCommand):
    help = "Delete finished workflow runs past their retention and clear old step outputs (in batches)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.WORKFLOW_RUN_RETENTION_DAYS,
                            help="delete runs that finished more than this many days ago")  # fmt: skip
        parser.add_argument("--output-days", type=int, default=settings.WORKFLOW_OUTPUT_RETENTION_DAYS,
                            help="clear outputs older than this many days")  # fmt: skip
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="only count")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 0 or options["output_days"] < 0 or options["batch_size"] < 1:
            self.stderr.write("days must be 0 or more and batch-size at least 1")
            raise SystemExit(2)
        if options["dry_run"]:
            counts = prune_preview(run_days=options["days"], output_days=options["output_days"])
            self.stdout.write(f"would delete {counts['runs']} runs and clear {counts['step_outputs']} step outputs")
            return
        result = runs_prune(run_days=options["days"], output_days=options["output_days"],
                            batch_size=options["batch_size"])  # fmt: skip
        self.stdout.write(
            f"deleted {result.runs_deleted} runs; cleared {result.step_outputs_cleared} step outputs "
            f"and {result.run_outputs_cleared} run outputs"
        )
