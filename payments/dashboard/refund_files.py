"""The Refunds list as CSV (whole rupiah, Asia/Jakarta times), audited."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from payments.models import AuditLog, Merchant
from payments.selectors.cancellations import CancellationFilters, cancellations_search
from payments.services.audit import Actor, audit_record

from .exports import _safe
from .words import requested_by

EXPORT_LIMIT = 50_000
HEADER = [
    "createdAt",
    "finishedAt",
    "tXid",
    "referenceNo",
    "mitraCd",
    "cancelTxid",
    "type",
    "amount",
    "reason",
    "requestedBy",
    "state",
    "partnerRef",
    "resultMessage",
    "remainingAmount",
]


def refunds_export(*, merchant: Merchant, filters: CancellationFilters, params: dict, actor: Actor) -> str:
    """The merchant's cancels matching `filters` (newest first, at most EXPORT_LIMIT) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for c in cancellations_search(merchant=merchant, filters=filters)[:EXPORT_LIMIT]:
        t = c.transaction
        writer.writerow(
            [
                timezone.localtime(c.created_at).isoformat(timespec="seconds"),
                timezone.localtime(c.finished_at).isoformat(timespec="seconds") if c.finished_at else "",
                t.txid,
                _safe(t.reference_no),
                t.mitra_cd,
                c.cancel_txid,
                "full" if c.cancel_type == "1" else "partial",
                c.amount,
                _safe(c.reason),
                _safe(requested_by(c)),
                c.state,
                _safe(c.partner_ref),
                _safe(c.result_message),
                t.remaining_amount,
            ]
        )
    audit_record(
        actor=actor,
        action=AuditLog.Action.REFUNDS_EXPORTED,
        merchant=merchant,
        target="refunds",
        detail={"filters": params},
    )
    return out.getvalue()
