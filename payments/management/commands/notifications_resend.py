"""Send one merchant notification again now, whatever its state."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.models import Notification
from payments.services import notifications


class Command(BaseCommand):
    help = "Send one merchant notification again (by id); --now delivers it here and shows the answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("notification_id", type=int)
        parser.add_argument("--now", action="store_true", help="deliver here instead of via a Celery worker")

    def handle(self, *args: Any, **options: Any) -> None:
        pk = options["notification_id"]
        if not Notification.objects.filter(pk=pk).exists():
            raise CommandError(f"No notification {pk}")
        note = notifications.notification_resend(notification_id=pk)
        what = note.transaction.txid if note.transaction else note.kind
        label = f"notification {note.pk} ({what}, seq {note.sequence})"
        if not options["now"]:
            self.stdout.write(self.style.SUCCESS(f"Queued {label} for delivery."))
            return
        done = notifications.notification_deliver(notification_id=pk)
        if done is None:
            raise CommandError(f"{label} is being delivered by a worker right now; see its attempt log")
        last = done.attempt_log.order_by("-id").first()
        answer = f"HTTP {last.http_status}" if last and last.http_status else (last.error if last else "-")
        self.stdout.write(f"{label}: {done.state} ({answer})")
