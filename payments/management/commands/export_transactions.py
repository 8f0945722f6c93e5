"""Export a merchant's transactions to CSV (any filter), showing progress as it goes."""

from __future__ import annotations

import shutil
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from payments.dashboard.exports import exports_dir
from payments.models import Job, Merchant
from payments.services.jobs import job_create, job_run


class Command(BaseCommand):
    help = "Export transactions of one merchant as CSV, with the dashboard's filters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--imid", required=True)
        parser.add_argument("--output", required=True, help="where to write the CSV file")
        for name in ("status", "partner", "date_from", "date_to", "amount_min", "amount_max", "q"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")

    def handle(self, *args: Any, **options: Any) -> None:
        merchant = Merchant.objects.filter(imid=options["imid"]).first()
        if merchant is None:
            raise CommandError(f"no merchant {options['imid']}")
        filters = {
            k: options[k]
            for k in ("status", "partner", "date_from", "date_to", "amount_min", "amount_max", "q")
            if options[k]
        }
        job = job_create(kind="export", merchant=merchant, params={"filters": filters}, enqueue=False)

        def work() -> None:
            try:
                job_run(job_id=job.pk)
            finally:
                connection.close()

        # The job runs here (not on a worker), so the command works without one; the same Job row
        # is what the dashboard shows, so the export can be followed from either place.
        worker = threading.Thread(target=work)
        worker.start()
        while worker.is_alive():
            worker.join(timeout=1.0)
            job.refresh_from_db()
            self.stdout.write(f"  {job.progress}/{job.total or '?'} rows")
        job.refresh_from_db()
        if job.state != Job.State.DONE:
            raise CommandError(f"export failed: {job.error or job.state}")
        shutil.copyfile(exports_dir() / job.file_path, options["output"])
        self.stdout.write(self.style.SUCCESS(f"Exported {job.result['rows']} rows to {options['output']}"))
