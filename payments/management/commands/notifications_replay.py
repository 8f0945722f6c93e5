"""Re-deliver the failed and dead merchant notifications of a time window, with progress."""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from payments.models import Merchant
from payments.services.replay import replay_run_inline


def _moment(value: str) -> datetime:
    """ISO date-time, or a date (its midnight), in the gateway's time zone unless an offset is given."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"Not a date or date-time: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
        parsed = datetime.combine(day, datetime.min.time())
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = "Replay failed/dead notifications created in [--since, --until), optionally for one --imid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+07:00]")
        parser.add_argument("--until", required=True, help="exclusive end, same formats")
        parser.add_argument("--imid", default="", help="only this merchant")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = _moment(options["since"]), _moment(options["until"])
        if until <= since:
            raise CommandError("--until must be after --since")
        merchant = None
        if options["imid"]:
            merchant = Merchant.objects.filter(imid=options["imid"]).first()
            if merchant is None:
                raise CommandError(f"No merchant {options['imid']}")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} re-queued")

        self.stdout.write(
            f"Replaying failed/dead notifications from {since.isoformat()} to {until.isoformat()}"
            + (f" for {merchant.imid}" if merchant else "")
        )
        job = replay_run_inline(since=since, until=until, merchant=merchant, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Done: {job.result['replayed']} notification(s) re-queued (job {job.pk}).")
        )
