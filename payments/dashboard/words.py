"""Plain words for the dashboard: statuses, the timeline and why a payment waits for review, with
NICEPAY's status code kept beside them (small) for people who integrate against it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from payments.models import Cancellation, Job, Notification, PartnerCallback, Transaction, TransactionEvent
from payments.selectors.checkout import METHOD_CHOSEN
from payments.services.cancel_options import CancelOption
from payments.status import Status
from providers import registry

from .charts import rupiah

LABELS = {
    Status.PAID: "Paid",
    Status.VOID: "Voided",
    Status.REFUND: "Refunded",
    Status.UNPAID: "Waiting for payment",
    Status.PROCESSING: "With the shopper",
    Status.EXPIRED: "Expired",
    Status.FAILED: "Failed",
    Status.INIT: "Created",
}
SOURCES = {
    "partner_callback": "the partner's notification",
    "poll": "our check with the partner",
    "sync": "a sync with the partner",
    "reconcile": "the daily reconciliation",
    "expiry": "its deadline",
    "expiry-check": "a last check before its deadline",
    "partner": "the partner's answer",
    "merchant": "your server",
    "dashboard": "the dashboard",
    "ops": "Payloan operations",
    "late_payment": "Payloan (a late payment, returned automatically)",
}

# Who made a transaction (its REGISTERED event's source), in words.
CREATED_BY = {
    "merchant": "Created by your server (registration)",
    "payment_link": "Created when the shopper opened your payment link",
    "customer": "New attempt: the shopper tried another method on the hosted checkout",
}

# A cancel at the partner, in words (the filter of the Refunds list and its badges).
CANCEL_STATES = {
    Cancellation.State.PENDING: "Pending",
    Cancellation.State.UNKNOWN: "Checking with the partner",
    Cancellation.State.SUCCEEDED: "Succeeded",
    Cancellation.State.FAILED: "Failed",
}


# A notification to the merchant's server, a background job, a partner's callback, a payment link.
NOTIFICATION_STATES = {
    Notification.State.PENDING: "Waiting to be sent",
    Notification.State.DELIVERED: "Delivered",
    Notification.State.FAILED: "Failed: retrying",
    Notification.State.DEAD: "Failed: no more retries",
}
JOB_STATES = {
    Job.State.QUEUED: "Waiting to start",
    Job.State.RUNNING: "Running",
    Job.State.DONE: "Finished",
    Job.State.FAILED: "Failed",
}
CALLBACK_OUTCOMES = {
    PartnerCallback.Outcome.RECEIVED: "Received, being processed",
    PartnerCallback.Outcome.APPLIED: "Applied",
    PartnerCallback.Outcome.DUPLICATE: "A repeat: already applied",
    PartnerCallback.Outcome.REJECTED: "Not applied: it disagreed with our record",
    PartnerCallback.Outcome.ERROR: "Could not be processed",
}
LINK_STATES = {  # payments.selectors.checkout.payment_link_state
    "active": "Accepting payments",
    "expired": "Expired",
    "used": "Paid (single use)",
    "disabled": "Stopped",
}
_GOOD, _BAD, _WAIT = "state-delivered", "state-dead", "state-pending"


@dataclass(frozen=True)
class Plain:
    """A status or state in words, with its code shown small beside it."""

    text: str
    code: str
    title: str  # what the code is, for the tooltip
    css: str  # the badge's colour class


def plain(kind: str, code: str) -> Plain:
    """`code` of `kind` (status, partner, notification, cancel, job, callback, link) in words. An
    unknown code is shown as it is, in words and beside."""
    code = str(code or "")
    if kind == "status":
        try:
            word = Status(code).word
        except ValueError:
            word = ""
        return Plain(status_label(code), code, "NICEPAY status code", f"status-{word}" if word else "")
    if kind == "partner":
        return Plain(registry.display_names().get(code, code or "—"), code, "mitraCd", "")
    table, css = {
        "notification": (NOTIFICATION_STATES, {"delivered": _GOOD, "dead": _BAD, "failed": "state-failed"}),
        "cancel": (CANCEL_STATES, {"succeeded": _GOOD, "failed": _BAD}),
        "job": (JOB_STATES, {"done": _GOOD, "failed": _BAD}),
        "callback": (CALLBACK_OUTCOMES, {"applied": _GOOD, "rejected": _BAD, "error": _BAD}),
        "link": (LINK_STATES, {"active": _GOOD, "used": "status-paid", "expired": _BAD, "disabled": _BAD}),
    }[kind]
    return Plain(table.get(code, code), code, "state", css.get(code, _WAIT))


def status_label(status: str) -> str:
    """The status in words ("Paid"); an unknown code is shown as it is."""
    try:
        return LABELS[Status(status)]
    except ValueError:
        return status


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str
    code: str  # NICEPAY status code it moved to, or ""
    kind: str


def requested_by(row: Cancellation | None) -> str:
    """Who asked for a cancel: the member's e-mail, or the merchant's server."""
    if row is None:
        return ""
    if row.requested_by_id:
        return row.requested_by.email or row.requested_by.get_username()
    return (
        "your server (API)" if row.source in ("merchant", "api", "") else SOURCES.get(row.source, row.source)
    )


def cancel_text(row: Cancellation | None, amount: int, kind: str) -> str:
    """ "Refunded Rp 10.000 by demo@payloan.test: damaged item" """
    verb = "Voided" if kind == "void" else "Refunded"
    text = f"{verb} {rupiah(amount)}"
    who = requested_by(row)
    if who:
        text += f" by {who}"
    if row is not None and row.reason:
        text += f": {row.reason}"
    return text


def _status_text(event: TransactionEvent, partner: str) -> str:
    to = Status(event.to_status)
    text = {
        Status.PAID: f"Paid via {partner}",
        Status.FAILED: f"Failed at {partner}",
        Status.EXPIRED: "Expired: not paid before its deadline",
        Status.PROCESSING: f"The shopper is paying at {partner}",
        Status.UNPAID: f"Waiting for the shopper at {partner}",
        Status.VOID: "Voided in full",
        Status.REFUND: "Refunded in full",
        Status.INIT: "Created",
    }[to]
    if event.kind == TransactionEvent.Kind.STATUS_CORRECTED:
        text += f" (found by {SOURCES.get(event.source, event.source)})"
    elif event.source in SOURCES and to not in (Status.VOID, Status.REFUND):
        text += f", from {SOURCES[event.source]}"
    return text


def _method_chosen_text(payload: dict) -> str:
    """ "Shopper chose Kredivo (3 months) on the hosted checkout": the note the hosted checkout
    writes when the shopper picks a method (payload: partner mitraCd, tenor in months)."""
    code = str(payload.get("partner") or "")
    chosen = plain("partner", code).text or "a method"
    found = registry.find(code)
    # The merchant may send instmntMon for any order: a plan means something for pay-later only.
    months = str(payload.get("tenor") or "").lstrip("0") if found and found.is_payloan else ""
    if months == "1":
        chosen += " (pay in 30 days)"
    elif months:
        chosen += f" ({months} months)"
    return f"Shopper chose {chosen} on the hosted checkout"


def timeline(txn: Transaction, partner: str) -> list[Entry]:
    """Each event of the transaction in words, oldest first (uses the prefetched events and
    cancellations)."""
    cancels = {c.cancel_txid: c for c in txn.cancellations.all()}
    out = []
    for e in txn.events.all():
        code = e.to_status or ""
        if e.kind == TransactionEvent.Kind.REGISTERED:
            text = CREATED_BY.get(e.source, "Created")
        elif e.kind == TransactionEvent.Kind.PAYMENT_STARTED:
            text = f"Shopper sent to {partner}"
        elif e.kind in (TransactionEvent.Kind.STATUS_CHANGED, TransactionEvent.Kind.STATUS_CORRECTED):
            text = _status_text(e, partner)
        elif e.kind == TransactionEvent.Kind.CANCEL:
            row = cancels.get(e.payload.get("cancel_txid") or e.idempotency_key.removeprefix("cancel:"))
            text = cancel_text(row, int(e.payload.get("amount") or 0), e.payload.get("kind", ""))
            code = ""
        elif e.kind == TransactionEvent.Kind.REJECTED:
            origin = SOURCES.get(e.source, e.source)
            text = f"{origin[:1].upper()}{origin[1:]} disagreed with our record: flagged for review"
            code = ""
        elif e.kind == TransactionEvent.Kind.RECEIPT:
            text = f"Receipt of the goods confirmed with {partner}"
        elif e.kind == TransactionEvent.Kind.REVIEW_RESOLVED:
            note = e.payload.get("note", "")
            text = "Review closed by Payloan operations" + (f": {note}" if note else "")
        elif e.kind == TransactionEvent.Kind.NOTE and e.idempotency_key == METHOD_CHOSEN:
            text = _method_chosen_text(e.payload)
        else:
            text = str(
                e.payload.get("push") and f"Push sent to the shopper's {partner} app" or e.get_kind_display()
            )
        out.append(Entry(at=e.created_at, text=text, code=code, kind=e.kind))
    return out


@dataclass(frozen=True)
class ReviewHelp:
    why: str
    what_to_do: str


def review_help(txn: Transaction, partner: str) -> ReviewHelp | None:
    """Why a payment waits for review and what the merchant can do, from its latest rejected event."""
    if not txn.needs_review:
        return None
    rejected = [e for e in txn.events.all() if e.kind == TransactionEvent.Kind.REJECTED]
    last = rejected[-1] if rejected else None
    ours = status_label(txn.status).lower()
    if last is not None and "partner_amount" in last.payload:
        why = (
            f"{partner} reports {rupiah(int(last.payload['partner_amount']))} for this payment, not "
            f"{rupiah(txn.amount)}. We do not apply an amount that differs from yours; our operations team "
            f"is checking it with {partner}."
        )
    elif last is not None and last.payload.get("partner_status"):
        why = (
            f"We hold this payment as {ours}, but {partner} still reports it as "
            f"{last.payload['partner_status'].lower()}; we are checking with {partner}."
        )
    elif last is not None and last.to_status:
        why = (
            f"{partner} reported it {status_label(last.to_status).lower()} after it was already {ours} "
            f"(for example paid after its deadline). We never change a final status silently; our "
            "operations team is checking it."
        )
    else:
        why = f"Our records and {partner}'s disagree ({txn.review_reason}); we are checking."
    what = (
        "You don't need to do anything: we correct the status or contact you, and the notice goes away. "
        "Until then, don't ship goods that are not paid for. 'Sync with partner' asks the partner again now."
    )
    return ReviewHelp(why=why, what_to_do=what)


def cancel_rule(options: list[CancelOption], partner: str) -> str:
    """What can be cancelled today, in one or two sentences."""
    allowed = [o for o in options if o.allowed]
    if not allowed:
        return ""
    kinds = " or ".join("in full" if o.cancel_type == "1" else "in part" for o in allowed)
    refused = [o.why_not for o in options if not o.allowed and o.why_not]
    return f"Today you can cancel this {partner} payment {kinds}." + (
        " " + " ".join(refused) if refused else ""
    )


def cancel_terms(mitra_cd: str) -> str:
    """The partner's cancel rule from the catalogue, written out: "OVO: full only, on the day of
    payment (until 23:59 Jakarta time)"."""
    partner = registry.find(mitra_cd)
    if partner is None:
        return ""
    rules = partner.cancel
    amount = "in full or in part" if rules.partial else "full only"
    if rules.same_day:
        when = "on the day of payment (until 23:59 Jakarta time)"
    elif rules.window is not None:
        when = f"within {rules.window_text} of payment"
    else:
        when = "at any time after payment"
    return f"{partner.name}: {amount}, {when}."
