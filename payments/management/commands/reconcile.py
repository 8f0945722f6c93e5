"""Compare one day's transactions with the partners' answers and report drift, with progress."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.services.reconciliation import default_day, reconciliation_run_inline


class Command(BaseCommand):
    help = "Reconcile a day's transactions with the partners (default: yesterday, gateway time zone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else default_day()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} checked")

        self.stdout.write(f"Reconciling {day.isoformat()} ...")
        job = reconciliation_run_inline(day=day, progress=progress)
        result = job.result
        self.stdout.write(
            f"Checked {result['checked']}: {result['agreed']} agree, {result['drift_count']} drift, "
            f"{result['unreachable_count']} partner unreachable (job {job.pk})."
        )
        for row in result["drift"]:
            self.stdout.write(
                f"  DRIFT {row['txid']} {row['mitra_cd']} {row['kind']}: ours {row['ours']}, "
                f"partner {row['partner']} ({row['raw_status']}) -> {row['action']}"
            )
        for row in result["unreachable"]:
            self.stdout.write(f"  UNREACHABLE {row['txid']} {row['mitra_cd']}: {row['error']}")
        style = (
            self.style.WARNING if result["drift_count"] or result["unreachable_count"] else self.style.SUCCESS
        )
        self.stdout.write(style("Done."))
