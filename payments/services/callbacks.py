"""Partner notifications: stored raw first, verified, then applied through the one status writer."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction

from payments.models import PartnerCallback, Transaction
from providers import registry
from providers.base.errors import InvalidPayload, InvalidSignature, NotSupported, PartnerError
from providers.base.types import StatusResult

from .linking import link_apply_callback
from .settle import apply_partner_result

log = logging.getLogger("payments.callbacks")
Reply = tuple[int, str, str]


def _finish(cb: PartnerCallback, outcome: str, detail: str, reply: Reply) -> Reply:
    cb.outcome, cb.detail = outcome, detail[:255]
    cb.save(update_fields=["outcome", "detail", "transaction"])
    return reply


def partner_callback_receive(
    *, mitra_cd: str, headers: Mapping[str, str], body: bytes, path: str, remote_addr: str
) -> Reply:
    """A partner's server notification, stored raw first (PartnerCallback), then verified and
    applied through the settle path. Partners that must confirm a push (Kredivo, Indodana) are
    asked, outside any DB transaction, and only their answer is applied.

    Returns (HTTP status, content type, body) to answer the partner: its own acknowledgement when
    applied or a duplicate; 404 unknown partner or transaction, 401 bad signature or disowned
    push, 400 unparseable, 503 when the confirmation failed (the partner retries). Raises nothing:
    every outcome is on the stored row."""
    cb = PartnerCallback.objects.create(
        mitra_cd=mitra_cd[:4],
        path=path[:255],
        remote_addr=remote_addr,
        headers=dict(headers),
        body=body.decode("utf-8", "replace"),
    )
    if mitra_cd not in registry.known_mitra_codes():
        return _finish(
            cb, "rejected", "unknown partner", (404, "application/json", '{"error":"unknown partner"}')
        )
    adapter = registry.get_adapter(mitra_cd)
    try:
        event = adapter.parse_callback(headers=headers, body=body, path=path)
    except InvalidSignature as exc:
        log.warning("refused %s notification: bad signature", mitra_cd)
        return _finish(
            cb,
            "rejected",
            f"invalid signature: {exc.message}",
            (401, "application/json", '{"error":"invalid signature"}'),
        )
    except (InvalidPayload, NotSupported) as exc:
        return _finish(
            cb,
            "rejected",
            f"invalid payload: {exc.message}",
            (400, "application/json", '{"error":"invalid payload"}'),
        )
    except Exception as exc:  # noqa: BLE001 - untrusted input (deep nesting, odd types): never a 500
        log.warning("unparseable %s notification: %s", mitra_cd, type(exc).__name__)
        return _finish(
            cb,
            "rejected",
            f"unparseable: {type(exc).__name__}",
            (400, "application/json", '{"error":"invalid payload"}'),
        )
    if event.kind == "link":
        outcome, detail = link_apply_callback(event=event, callback=cb)
        return _finish(cb, outcome, detail, event.reply)
    txn = Transaction.objects.filter(txid=event.txid, mitra_cd=mitra_cd).first()
    if txn is None:
        return _finish(
            cb,
            "rejected",
            "unknown transaction",
            (404, "application/json", '{"error":"unknown transaction"}'),
        )
    cb.transaction = txn
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
            return _finish(
                cb,
                "rejected",
                f"not confirmed by the partner: {exc.message}",
                (401, "application/json", '{"error":"not confirmed by the partner"}'),
            )
        except PartnerError as exc:
            return _finish(
                cb,
                "error",
                f"confirmation failed: {exc.message}",
                (503, "application/json", '{"error":"confirmation failed, retry"}'),
            )
    with transaction.atomic():  # read "before" under the row lock: of concurrent copies, one is "applied"
        before = Transaction.objects.select_for_update().values_list("status", flat=True).get(pk=txn.pk)
        updated = apply_partner_result(
            txn=txn, result=result, source="partner_callback", idempotency_key=f"cb:{event.idempotency_key}"
        )
    outcome = "applied" if updated.status != before else "duplicate"
    if updated.needs_review and not txn.needs_review:
        outcome = "rejected"
    return _finish(cb, outcome, f"{result.raw_status} -> {updated.status}", event.reply)
