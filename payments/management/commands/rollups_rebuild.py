"""Rebuild the dashboard overview's rollups from the transactions, for one merchant or all.

Idempotent: every bucket is replaced by what the transactions say, so running it twice, or after
a partial run, gives the same rows. Safe while payments flow: it works one merchant-day at a time,
each day in its own DB transaction under a short SHARE ROW EXCLUSIVE lock of the rollup table,
so a registration or status change either committed before the day is counted (and is in it) or
waits for that day's few milliseconds and then adds itself to the rebuilt counts. Nothing else
is locked: the dashboard keeps reading, and the transactions are only read.

Run it once after deploying the rollups (the migration fills them, but transactions changed by
processes still on the old code between migrate and restart are not in them), and whenever the
rollups are suspected to disagree with the transactions."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.models import Merchant
from payments.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the overview's rollups from the transactions (one merchant with --imid, or all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--imid", default="", help="only this merchant's (default: every merchant)")

    def handle(self, *args: Any, **options: Any) -> None:
        merchant_id = None
        if options["imid"]:
            merchant = Merchant.objects.filter(imid=options["imid"]).first()  # suspended ones too
            if merchant is None:
                raise CommandError(f"no merchant with iMid {options['imid']!r}")
            merchant_id = merchant.pk
        result = rollups_rebuild(merchant_id=merchant_id)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {result.buckets} rollup rows from {result.transactions} transactions "
                f"({result.merchants} merchants, {result.days} merchant-days)."
            )
        )
