"""Partner notifications: verified first, then stored (PartnerCallback) and applied through the
one status writer. One that does not verify is kept apart (UnverifiedCallback): redacted, cut
short, stored at a bounded rate per address and in all, and purged after a retention period.
Nothing is stored in clear that could prove a notification again (docs/security.md)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from payments import throttle
from payments.models import PartnerCallback, PartnerNonce, Transaction, TransactionEvent, UnverifiedCallback
from providers import registry
from providers.base.adapter import PartnerAdapter
from providers.base.errors import InvalidPayload, InvalidSignature, NotSupported, PartnerError
from providers.base.types import StatusResult

from .linking import link_apply_callback
from .settle import apply_partner_result

log = logging.getLogger("payments.callbacks")
Reply = tuple[int, str, str]
UNVERIFIED_EXCERPT_CHARS = 1024  # enough to see what was sent; an attacker's megabyte is not kept
UNVERIFIED_WINDOW_SECONDS = 600


def _reply(status: int, error: str) -> Reply:
    return (status, "application/json", f'{{"error":"{error}"}}')


def partner_callback_receive(
    *, mitra_cd: str, headers: Mapping[str, str], body: bytes, path: str, remote_addr: str
) -> Reply:
    """A partner's server notification: verified by the partner's adapter, recorded, and applied
    through the settle path. Partners that must confirm a push (Kredivo, Indodana) are asked,
    outside any DB transaction, and only their answer is applied.

    Args: `mitra_cd` a partner code of the catalogue, `body` within that partner's
    max_notification_bytes (the front door checks both before reading), `remote_addr` the
    client's address (behind trusted proxies).
    Returns (HTTP status, content type, body) to answer the partner: its own acknowledgement when
    applied or a duplicate; 404 unknown partner or transaction, 401 bad or stale signature,
    replayed nonce or disowned push, 400 unparseable, 503 when the confirmation failed (the
    partner retries). Verified notifications are stored as PartnerCallback with their outcome;
    the others as UnverifiedCallback (redacted, bounded). Raises nothing: every refusal is an
    answer."""
    if mitra_cd not in registry.known_mitra_codes():
        return _reply(404, "unknown partner")  # nothing is stored for a partner we do not have
    adapter = registry.get_adapter(mitra_cd)
    seen = _Seen(adapter, headers, body, path, remote_addr)
    try:
        event = adapter.parse_callback(headers=headers, body=body, path=path)
    except InvalidSignature as exc:  # StaleNotification too: an old signature is a replay
        log.warning("refused %s notification: %s", mitra_cd, type(exc).__name__)
        return seen.unverified(f"invalid signature: {exc.message}", _reply(401, "invalid signature"))
    except (InvalidPayload, NotSupported) as exc:
        return seen.unverified(f"invalid payload: {exc.message}", _reply(400, "invalid payload"))
    except Exception as exc:  # noqa: BLE001 - untrusted input (deep nesting, odd types): never a 500
        log.warning("unparseable %s notification: %s", mitra_cd, type(exc).__name__)
        return seen.unverified(f"unparseable: {type(exc).__name__}", _reply(400, "invalid payload"))
    if event.replay_key and not _first_use(mitra_cd, event.replay_key):
        log.warning("refused %s notification: nonce already used", mitra_cd)
        return seen.unverified("replayed: nonce already used", _reply(401, "invalid signature"))
    result = StatusResult(
        status=event.status,
        raw_status=event.raw_status,
        partner_ref=event.partner_ref,
        amount=event.amount,
        raw=event.raw,
    )
    if event.needs_confirmation:
        try:  # the push alone is never trusted: only the partner's own answer is applied
            result = adapter.confirm_callback(event)
        except (InvalidSignature, InvalidPayload) as exc:  # the partner disowns this push: refuse it
            return seen.unverified(
                f"not confirmed by the partner: {exc.message}", _reply(401, "not confirmed by the partner")
            )
        except PartnerError as exc:
            return seen.unverified(
                f"confirmation failed: {exc.message}", _reply(503, "confirmation failed, retry")
            )
    cb = seen.verified()
    if event.kind == "link":
        outcome, detail = link_apply_callback(event=event, callback=cb)
        return _finish(cb, outcome, detail, event.reply)
    txn = Transaction.objects.filter(txid=event.txid, mitra_cd=mitra_cd).first()
    if txn is None:
        return _finish(cb, "rejected", "unknown transaction", _reply(404, "unknown transaction"))
    cb.transaction = txn
    with transaction.atomic():  # read "before" under the row lock: of concurrent copies, one is "applied"
        before = Transaction.objects.select_for_update().values_list("status", flat=True).get(pk=txn.pk)
        key = f"cb:{event.idempotency_key}"
        events = TransactionEvent.objects.filter(transaction=txn, idempotency_key=key)
        seen = events.exists()
        updated = apply_partner_result(txn=txn, result=result, source="partner_callback", idempotency_key=key)
        # A move not applied: flagged, or a late payment being returned (late_payments.py).
        refused = not seen and events.filter(kind=TransactionEvent.Kind.REJECTED).exists()
    outcome = "applied" if updated.status != before else "duplicate"
    if (updated.needs_review and not txn.needs_review) or refused:
        outcome = "rejected"
    return _finish(cb, outcome, f"{result.raw_status} -> {updated.status}", event.reply)


class _Seen:
    """One received notification, as it may be stored: secrets redacted by the partner's adapter."""

    def __init__(
        self, adapter: PartnerAdapter, headers: Mapping[str, str], body: bytes, path: str, remote_addr: str
    ) -> None:
        self.adapter, self.path, self.remote_addr = adapter, path[:255], remote_addr[:45]
        self.size = len(body)
        self.headers, self.text = adapter.redact_notification(
            headers=headers, body=body.decode("utf-8", "replace")
        )

    def verified(self) -> PartnerCallback:
        return PartnerCallback.objects.create(
            mitra_cd=self.adapter.mitra_cd,
            path=self.path,
            remote_addr=self.remote_addr,
            headers=self.headers,
            body=self.text,
        )

    def unverified(self, reason: str, reply: Reply) -> Reply:
        if _may_store_unverified(self.remote_addr):
            UnverifiedCallback.objects.create(
                mitra_cd=self.adapter.mitra_cd,
                path=self.path,
                remote_addr=self.remote_addr,
                headers=self.headers,
                body_excerpt=self.text[:UNVERIFIED_EXCERPT_CHARS],
                body_bytes=self.size,
                reason=reason[:255],
            )
        return reply


def _may_store_unverified(remote_addr: str) -> bool:
    """One atomic increment per address, then one for all addresses, each deciding; without
    Redis nothing unverified is stored (the answer to the sender is the same either way)."""
    window = UNVERIFIED_WINDOW_SECONDS
    per_address = throttle.Rule(settings.PARTNER_UNVERIFIED_STORED_PER_ADDRESS, window)
    total = throttle.Rule(settings.PARTNER_UNVERIFIED_STORED_TOTAL, window)
    return throttle.attempt(
        f"cb-unverified:{throttle.address_key(remote_addr)}", per_address, when_down=False
    ) and throttle.attempt("cb-unverified:all", total, when_down=False)


def _first_use(mitra_cd: str, replay_key: str) -> bool:
    """Record a notification nonce; False when it was recorded before (a replay)."""
    digest = hashlib.sha256(replay_key.encode()).hexdigest()
    try:
        with transaction.atomic():
            PartnerNonce.objects.create(mitra_cd=mitra_cd, nonce=digest)
    except IntegrityError:
        return False
    return True


def _finish(cb: PartnerCallback, outcome: str, detail: str, reply: Reply) -> Reply:
    cb.outcome, cb.detail = outcome, detail[:255]
    cb.save(update_fields=["outcome", "detail", "transaction"])
    return reply


def partner_callbacks_purge(*, now: datetime) -> tuple[int, int]:
    """Delete unverified notifications older than PARTNER_UNVERIFIED_RETENTION_DAYS and nonces
    older than twice PARTNER_NOTIFICATION_WINDOW (their time alone refuses them by then).
    Verified callbacks are evidence of money movements and are kept. Returns (callbacks, nonces)
    deleted."""
    old_callbacks = now - timedelta(days=settings.PARTNER_UNVERIFIED_RETENTION_DAYS)
    old_nonces = now - timedelta(seconds=2 * settings.PARTNER_NOTIFICATION_WINDOW)
    callbacks, _ = UnverifiedCallback.objects.filter(received_at__lt=old_callbacks).delete()
    nonces, _ = PartnerNonce.objects.filter(seen_at__lt=old_nonces).delete()
    return callbacks, nonces
