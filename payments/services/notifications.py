"""The merchant notification outbox: rows written with the status change, delivered by Celery.

Delivery is at least once, in sequence order per transaction; a worker holds a short lease on
a row while it posts, so two workers never post the same row at once. What a notification says
on the merchant's wire (its fields and token) is the front door's: it registers a
NotificationFormat at start-up (payments/apps.py) and the outbox only stores and posts it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Exists, F, Q, QuerySet
from django.utils import timezone

from payments import outbound
from payments.models import (
    AccountLink,
    AuditLog,
    Merchant,
    Notification,
    NotificationAttempt,
    Transaction,
    TransactionEvent,
)
from payments.secrets import mask_secrets

from . import outbox_statements, queue, rows
from .audit import Actor, audit_record

log = logging.getLogger("payments.notifications")
EXCERPT_BYTES = 1000  # of the merchant's answer, kept in the webhook log
DESTINATION_REFUSED = "destination not allowed"
destination_allowed = outbound.destination_allowed  # the early check; post() decides on its own


class NotificationFormat(Protocol):
    """The fields of each kind of merchant notification on one wire, and how that wire posts them."""

    content_type: str

    def payment(self, txn: Transaction, sequence: int) -> dict[str, str]:
        """A payment's status change (`sequence`: its number among the payment's notifications)."""

    def link(self, link: AccountLink) -> dict[str, str]:
        """An account link's state change."""

    def test(self, merchant: Merchant) -> dict[str, str]:
        """The test notification a merchant sends itself from the dashboard."""

    def with_current_token(self, note: Notification) -> dict[str, str]:
        """The stored payload, its token made with the merchant's key as it is now."""

    def encode(self, fields: dict) -> bytes:
        """The request body."""

    def headers(self, note: Notification) -> dict[str, str]:
        """This wire's own headers (signatures), sent beside ours."""


_formats: dict[str, NotificationFormat] = {}


def notification_format_use(fmt: NotificationFormat, door: str = Transaction.Door.V2) -> None:
    """Set the wire format of the notifications of payments that came through `door` (each door
    registers its own at start-up). Links and test notifications use the V2 door's."""
    _formats[door] = fmt


def notification_format(door: str = Transaction.Door.V2) -> NotificationFormat:
    """The format registered for `door`. Raises ImproperlyConfigured when that door registered none."""
    if door not in _formats:
        raise ImproperlyConfigured(f"no merchant notification format is registered for {door}")
    return _formats[door]


def retry_schedule() -> list[int]:
    """Seconds to wait after attempt 1, 2, ... (NOTIFICATION_RETRY_SCHEDULE); then the row is dead."""
    return list(settings.NOTIFICATION_RETRY_SCHEDULE)


def _enqueue(notification_id: int) -> None:
    try:  # no publish retries: the row is in the outbox already, the sweep is the retry
        queue.send(queue.NOTIFICATION_SEND, notification_id, retry=False)
    except Exception:  # noqa: BLE001 - the broker may be down; the outbox sweep re-sends
        log.warning("could not enqueue notification %s; the sweep will send it", notification_id)


def notification_create(*, txn: Transaction, event: TransactionEvent) -> Notification:
    """The outbox row of a status change: the next sequence number of the transaction and the
    payload of the registered format. Caller holds the transaction's row lock, inside the status
    change's DB transaction; the row is handed to Celery on commit. Returns the row."""
    txn.notification_seq += 1
    txn.save(update_fields=["notification_seq"])
    note = Notification.objects.create(
        merchant=txn.merchant,
        transaction=txn,
        event=event,
        kind="payment",
        sequence=txn.notification_seq,
        url=txn.db_process_url,
        payload=notification_format(txn.door).payment(txn, txn.notification_seq),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(note.id))
    return note


def notification_enqueue_link(*, link: AccountLink) -> Notification:
    """The notification of an account link's new state, to the link's dbProcessUrl. Caller holds
    the link's row lock inside the state change's DB transaction; handed to Celery on commit."""
    note = Notification.objects.create(
        merchant=link.merchant,
        kind="link",
        url=link.db_process_url,
        payload=notification_format().link(link),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(note.id))
    return note


def signature_header(key: str, timestamp: int, body: bytes) -> str:
    """X-Payloan-Signature: "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' with the
    merchant's key>" (docs/notifications.md)."""
    mac = hmac.new(key.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def lease_seconds() -> float:
    """How long a worker holds a row while it posts: connect + read timeouts, plus margin. A worker
    killed mid-delivery leaves the lease behind; the sweep picks the row up once it runs out."""
    return 2 * settings.NOTIFICATION_TIMEOUT + 5


_N, _M, _T = Notification._meta.db_table, Merchant._meta.db_table, Transaction._meta.db_table
# Claim and read in one statement: the lease is taken only on a due row nobody holds, and the
# row comes back with what the POST needs of its merchant (iMid, the key as stored, encrypted)
# and of its transaction (the door, which chooses the wire format).
_CLAIM = """
UPDATE {n} SET lease_until = %s
WHERE id = %s AND (lease_until IS NULL OR lease_until < %s) AND state IN (%s, %s) AND next_attempt_at <= %s
RETURNING {columns}, (SELECT imid FROM {m} WHERE {m}.id = {n}.merchant_id),
    (SELECT merchant_key_encrypted FROM {m} WHERE {m}.id = {n}.merchant_id),
    (SELECT door FROM {t} WHERE {t}.id = {n}.transaction_id)
"""  # our own tables' names and the model's columns; the values are parameters


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """The row with a lease of lease_seconds(), when it is due and nobody holds it; else None."""
    adapt = connection.ops.adapt_datetimefield_value
    lease = adapt(now + timedelta(seconds=lease_seconds()))
    due = [Notification.State.PENDING.value, Notification.State.FAILED.value]
    sql = _CLAIM.format(n=_N, m=_M, t=_T, columns=rows.shape(Notification).columns)
    with connection.cursor() as cur:
        cur.execute(sql, [lease, notification_id, adapt(now), *due, adapt(now)])
        row = cur.fetchone()
    if row is None:
        return None
    note = rows.from_row(Notification, row[:-3])
    imid, key_stored, note.transaction_door = row[-3:]
    note.merchant = Merchant.from_db(
        "default", ["id", "imid", "merchant_key_encrypted"], [note.merchant_id, imid, key_stored]
    )
    return note


# In order per transaction: a notification waits while an earlier one of the same transaction is
# not delivered, including a dead one (docs/notifications.md, "Duplicates and order").
WAITS_FOR = (Notification.State.PENDING, Notification.State.FAILED, Notification.State.DEAD)


def _park_if_waiting(note: Notification) -> bool:
    """Park `note` (no attempt due, no lease) if an earlier notification of its transaction is
    not delivered: one conditional UPDATE, never a check and a separate park. The earlier rows
    are locked in the same statement (FOR UPDATE in the subquery), so a settle that is committing
    meanwhile is waited for and its outcome seen: either we see it delivered and do not park, or
    we park first and its release (_release_following) finds us parked. A transaction's first
    notification (sequence 1, most of them) has no earlier one: no statement at all."""
    if note.transaction_id is None or note.sequence <= 1:
        return False
    earlier = Notification.objects.select_for_update().filter(
        transaction_id=note.transaction_id, sequence__lt=note.sequence, state__in=WAITS_FOR
    )
    parked = Notification.objects.filter(Exists(earlier), pk=note.pk)
    with transaction.atomic():
        return bool(parked.update(lease_until=None, next_attempt_at=None))


def notification_deliver(*, notification_id: int) -> Notification | None:
    """One delivery attempt, if the row is due and nobody else holds it: posts the payload with
    the merchant's current token and signature, and schedules the next attempt (or marks it
    delivered or dead). The attempt is recorded before the request leaves and settled after, so a
    worker killed mid-flight leaves its attempt in the history. No DB transaction is open while we
    wait on the merchant (NOTIFICATION_TIMEOUT seconds at most). Returns the row, or None when it
    was not ours to send."""
    note = _claim(notification_id, timezone.now())
    if note is None:
        return None
    if _park_if_waiting(note):
        return note  # released by the earlier one's delivery (or its replay)
    # The token from the merchant's key as it is now, like the signature header: a retry or resend
    # after a key rotation must verify with the new key.
    # The transaction's door chooses the notification's format (V2 form or SNAP JSON); _claim read it.
    fmt = notification_format(note.transaction_door or Transaction.Door.V2)
    fields = fmt.with_current_token(note)
    if not destination_allowed(note.url):
        attempt = _attempt_begin(note, timezone.now(), Sent(note.url, {}, fields))
        return _attempt_settle(note.pk, attempt, 0, None, "", DESTINATION_REFUSED, False)
    body = fmt.encode(fields)
    stamp = int(time.time())
    headers = {
        "Content-Type": fmt.content_type,
        "User-Agent": "Payloan-Notifier/1.0",
        "X-Payloan-Signature": signature_header(note.merchant.merchant_key, stamp, body),
        "X-Payloan-Sequence": str(note.sequence),
        **fmt.headers(note),
    }
    started, t0 = timezone.now(), time.monotonic()
    attempt = _attempt_begin(note, started, Sent(note.url, headers, fields))
    status_code, excerpt, error = None, "", ""
    timeout = settings.NOTIFICATION_TIMEOUT
    try:
        # Streamed: only the first bytes are read and logged, so a huge or trickling answer cannot
        # hold the worker past its lease.
        # Pinned to the address it checked, redirects not followed (payments/outbound.py: SSRF).
        with outbound.post(note.url, data=body, headers=headers, timeout=timeout) as resp:
            status_code = resp.status
            raw = resp.read(EXCERPT_BYTES, decode_content=True).decode("utf-8", "replace")
            excerpt = raw.replace("\x00", "\ufffd")  # PostgreSQL refuses NUL in text: the settle would fail
    except outbound.DestinationRefused:
        error = DESTINATION_REFUSED
    except requests.RequestException as exc:
        error = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - e.g. a reset while reading the excerpt; still an attempt
        error = type(exc).__name__
    duration = int((time.monotonic() - t0) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    return _attempt_settle(note.pk, attempt, duration, status_code, excerpt, error, ok)


@dataclass(frozen=True)
class Sent:
    """What one attempt posts, for the webhook log (secrets masked when stored)."""

    url: str
    headers: dict[str, str]
    fields: dict[str, str]


INTERRUPTED = "interrupted: the sender stopped before the answer (it may have arrived)"


def _attempt_begin(note: Notification, started: datetime, sent: Sent) -> int:
    """Record the attempt before the request leaves (finished_at empty: in flight), with what it
    posts, and count it, in one DB transaction. An earlier attempt still open was cut off (its
    worker died): it is closed as interrupted. `note.attempts` is the row's attempt count as
    claimed (attempts are counted with their row, under the lease): 0 means there is no earlier
    attempt to close. On PostgreSQL all of it is one statement (outbox_statements.py)."""
    attempt = NotificationAttempt(
        notification_id=note.pk,
        merchant_id=note.merchant_id,
        started_at=started,
        url=sent.url,
        request_headers=mask_secrets(sent.headers),
        request_fields=mask_secrets(sent.fields),
    )
    if connection.vendor == "postgresql":
        return outbox_statements.attempt_record(attempt, close_open_as=INTERRUPTED if note.attempts else None)
    with transaction.atomic():
        if note.attempts:
            NotificationAttempt.objects.filter(notification_id=note.pk, finished_at__isnull=True).update(
                finished_at=started, error=INTERRUPTED
            )
        attempt.save()
        Notification.objects.filter(pk=note.pk).update(attempts=F("attempts") + 1)
    return attempt.pk


SETTLED_FIELDS = ["state", "delivered_at", "next_attempt_at", "lease_until"]


def _attempt_settle(
    pk: int, attempt_id: int, duration: int, status_code: int | None, excerpt: str, error: str, ok: bool
) -> Notification:
    """Settle the attempt with the merchant's answer, and the notification with it: delivered,
    or the next attempt scheduled (handed to Celery with that ETA), or dead, in one DB
    transaction. Writes only the columns that change (never the payload). A delivery takes the
    row's lock with its UPDATE (nothing to read first: the outcome does not depend on the row),
    on PostgreSQL in one round trip (outbox_statements.py); a failure reads the attempt count
    under the lock."""
    now = timezone.now()
    if ok and connection.vendor == "postgresql":
        answer = (duration, status_code, excerpt[:2000], error)
        note, following = outbox_statements.settle_delivered(pk, attempt_id, now, answer=answer)
        if following:  # committed already, unless a caller's DB transaction is open
            transaction.on_commit(lambda: _enqueue(following))
        return note
    with transaction.atomic():
        return _attempt_settle_orm(pk, attempt_id, now, (duration, status_code, excerpt, error), ok)


def _attempt_settle_orm(
    pk: int, attempt_id: int, now: datetime, answer: tuple[int, int | None, str, str], ok: bool
) -> Notification:
    duration, status_code, excerpt, error = answer
    note = Notification.objects.select_for_update().get(pk=pk)
    note.lease_until = None
    if ok:
        note.state = Notification.State.DELIVERED
        note.delivered_at = now
        note.next_attempt_at = None
    else:
        schedule = retry_schedule()
        if note.attempts > len(schedule):
            note.state = Notification.State.DEAD
            note.next_attempt_at = None
        else:
            note.state = Notification.State.FAILED
            note.next_attempt_at = now + timedelta(seconds=schedule[note.attempts - 1])
            _enqueue_at(note.pk, note.attempts, note.next_attempt_at)
    note.save(update_fields=SETTLED_FIELDS)
    NotificationAttempt.objects.filter(pk=attempt_id).update(
        finished_at=now,
        duration_ms=duration,
        http_status=status_code,
        response_excerpt=excerpt[:2000],
        error=error,
        next_attempt_at=note.next_attempt_at,  # the retry this attempt scheduled
    )
    if note.state == Notification.State.DELIVERED:
        _release_following(note, now)
    return note


def _enqueue_at(pk: int, attempts: int, due: datetime) -> None:
    """The next attempt, on time: handed to Celery with its ETA once this commits. Only for delays
    well inside the broker's visibility timeout (a message held longer is redelivered as a copy);
    later ones are sent by the outbox sweep, which stays the safety net for all of them."""
    delay = (due - timezone.now()).total_seconds()
    if delay > eta_limit_seconds():
        return

    def send() -> None:
        if not _mark_dispatched(pk, attempts, hold=delay):
            return
        try:
            queue.send(queue.NOTIFICATION_SEND, pk, retry=False, eta=due)
        except Exception:  # noqa: BLE001 - broker down: the sweep sends it when due
            log.warning("could not schedule notification %s; the sweep will send it", pk)

    transaction.on_commit(send)


def eta_limit_seconds() -> float:
    """The longest retry delay given to Celery as an ETA: half the broker's visibility timeout."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    return int(options.get("visibility_timeout", 3600)) / 2


def _release_following(note: Notification, now: datetime) -> None:
    """The earlier one is delivered: the next in sequence for this transaction is due now."""
    if note.transaction_id is None:
        return
    following = (
        Notification.objects.filter(
            transaction_id=note.transaction_id,
            sequence__gt=note.sequence,
            state__in=[Notification.State.PENDING, Notification.State.FAILED],
        )
        .order_by("sequence")
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        Notification.objects.filter(pk=following, next_attempt_at__isnull=True).update(next_attempt_at=now)
        transaction.on_commit(lambda: _enqueue(following))


def notifications_due(*, limit: int = 500) -> list[int]:
    """Ids of rows due now and not leased (one query on the partial index notif_due_idx)."""
    now = timezone.now()
    return list(
        Notification.objects.filter(
            state__in=[Notification.State.PENDING, Notification.State.FAILED], next_attempt_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def notifications_dispatch_due(*, limit: int = 500) -> int:
    """The outbox sweep: hand due rows to Celery, including ones never handed over (broker down at
    commit time, a message lost with Redis, a worker killed mid-delivery). A short marker in the
    cache per (row, attempt) keeps a slow queue from being flooded with copies of the same row
    every sweep; the row's lease, not the marker, is what prevents a double post."""
    now = timezone.now()
    rows = (
        Notification.objects.filter(
            state__in=[Notification.State.PENDING, Notification.State.FAILED], next_attempt_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:limit]
    )
    sent = 0
    for pk, attempts in rows:
        if _mark_dispatched(pk, attempts):
            _enqueue(pk)
            sent += 1
    return sent


def _mark_dispatched(pk: int, attempts: int, *, hold: float = 0) -> bool:
    """True when (row, attempt) was not handed to Celery within the lease (plus `hold` seconds,
    the ETA of a scheduled retry)."""
    try:
        timeout = int(lease_seconds() + hold) + 1
        return bool(cache.add(f"notif-dispatch:{pk}:{attempts}", 1, timeout=timeout))
    except Exception:  # noqa: BLE001 - no cache (Redis down): send anyway, the lease still guards
        return True


def notification_resend(*, notification_id: int, actor: Actor | None = None) -> Notification:
    """Send again now, whatever its state (a delivered one is delivered again, on request).
    Returns the row, pending again; with an `actor` the resend is audited.

    Notifications of one transaction go in sequence order, and one waits while an earlier one is
    dead: resending it also resends those dead earlier ones, so they arrive first and it follows."""
    with transaction.atomic():
        note = Notification.objects.select_for_update().get(pk=notification_id)
        previous = note.state
        chain = [note]
        if note.transaction_id is not None:
            chain += list(
                Notification.objects.select_for_update()
                .filter(
                    transaction_id=note.transaction_id,
                    sequence__lt=note.sequence,
                    state=Notification.State.DEAD,
                )
                .order_by("sequence")
            )
        now = timezone.now()
        for row in chain:
            row.state = Notification.State.PENDING
            row.next_attempt_at = now
            row.lease_until = None
            row.save(update_fields=["state", "next_attempt_at", "lease_until"])
        for row in sorted(chain, key=lambda r: r.sequence):
            transaction.on_commit(lambda pk=row.pk: _enqueue(pk))
    if actor is not None:
        txn = note.transaction
        audit_record(
            actor=actor,
            action=AuditLog.Action.NOTIFICATION_RESENT,
            merchant=note.merchant,
            target=f"notification:{note.pk}",
            detail={"previous_state": previous, "txid": txn.txid if txn else ""},
        )
    return note


def notification_replay(
    *, merchant: Merchant | None, since: datetime, until: datetime, actor: Actor | None = None
) -> int:
    """Re-deliver every failed or dead notification created in [since, until), of one merchant
    (None: every merchant's). Returns how many were queued; with an `actor` it is audited."""
    ids = list(
        notifications_replayable(merchant=merchant, since=since, until=until).values_list("pk", flat=True)
    )
    for pk in ids:
        notification_resend(notification_id=pk)
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditLog.Action.NOTIFICATIONS_REPLAYED,
            merchant=merchant,
            target=f"merchant:{merchant.imid}" if merchant else "merchants",
            detail={"since": since.isoformat(), "until": until.isoformat(), "replayed": len(ids)},
        )
    return len(ids)


def notifications_replayable(*, merchant: Merchant | None, since: datetime, until: datetime) -> QuerySet:
    """Failed or dead notifications created in [since, until), oldest first (delivered ones and
    ones still on their first try are left alone)."""
    qs = Notification.objects.filter(
        created_at__gte=since,
        created_at__lt=until,
        state__in=[Notification.State.FAILED, Notification.State.DEAD],
    )
    if merchant is not None:
        qs = qs.filter(merchant=merchant)
    return qs.order_by("transaction_id", "sequence", "pk")
