"""Reads for the hosted checkout and payment links."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from payments.models import Checkout, CheckoutSettings, Merchant, PaymentLink, Transaction, TransactionEvent
from payments.status import Status
from providers import registry
from providers.base.types import PartnerKind


@dataclass(frozen=True)
class Method:
    """A payment method the shopper may choose: a partner of the catalogue, as the page needs it."""

    mitra_cd: str
    name: str
    kind: PartnerKind
    pay_method: str  # 05 or 06
    tenors: tuple[str, ...]  # instmntMon values (pay-later), () otherwise
    pushes_to_app: bool = False  # the partner pushes the request to the shopper's app (a phone number)
    links_account: bool = False  # pays only from an account linked first


def _method(p: registry.Partner) -> Method:
    return Method(
        p.mitra_cd,
        p.name,
        p.kind,
        p.pay_method,
        p.tenors,
        pushes_to_app=p.app_push,
        links_account=p.needs_linking,
    )


def checkout_settings_get(*, merchant: Merchant) -> CheckoutSettings:
    """The merchant's hosted checkout settings (defaults when never saved; nothing is written)."""
    found = CheckoutSettings.objects.filter(merchant=merchant).first()
    return found or CheckoutSettings(merchant=merchant)


def methods_all() -> list[Method]:
    """Every partner of the catalogue, as a shopper-facing method."""
    return [_method(p) for p in registry.partners()]


def checkout_methods(*, merchant: Merchant, amount: int, pay_method: str, mitra_cd: str = "") -> list[Method]:
    """Methods that fit: enabled by the merchant, within each partner's amount limits (whole
    rupiah), and allowed by the registration (payMethod 00 = any, 05/06 = that kind, and mitraCd
    when given). The catalogue's checkout partners, plus those that pay from an account the
    shopper links first on the page. Source: issue 12 / NICEPAY API Checkout (payMethod 00)."""
    kind = None if pay_method == "00" else pay_method
    linking = tuple(
        p for p in registry.linking_partners() if p.takes(amount) and kind in (None, p.pay_method)
    )
    fitting = {p.mitra_cd for p in (*registry.partners_for(amount=amount, pay_method=kind), *linking)}
    disabled = set(checkout_settings_get(merchant=merchant).disabled_methods or [])
    return [
        _method(p)
        for p in registry.partners()
        if p.mitra_cd in fitting and p.mitra_cd not in disabled and mitra_cd in ("", p.mitra_cd)
    ]


def checkout_latest_attempt(*, checkout: Checkout) -> Transaction:
    """The checkout's newest attempt (the one the shopper sees)."""
    return checkout.attempts.select_related("merchant", "checkout").order_by("-id").first()


METHOD_CHOSEN = "method-chosen"  # the idempotency key of the event that records the shopper's method


def checkout_untouched(*, txn: Transaction) -> bool:
    """True while nobody has started paying this checkout: `txn` is its only attempt (the tXid the
    merchant was given), still open, and no partner was asked for a payment step. An attempt made
    by "try another method" never qualifies: the checkout's first attempt was started and ended.
    Neither does one whose method was chosen (the event METHOD_CHOSEN), even if the partner then
    failed to answer.
    NICEPAY's tXid-only payment link (a guessable tXid, no secret) opens the page only while this
    holds, or in the browser that opened it then."""
    if txn.checkout_id is None or not txn.status_enum.is_open:
        return False
    if txn.payment_started_at or txn.partner_data.get("action"):
        return False
    attempts = Transaction.objects.filter(checkout_id=txn.checkout_id).values_list("pk", flat=True)
    if list(attempts[:2]) != [txn.pk]:
        return False
    # A method chosen counts too: a partner that did not answer leaves no step behind, and the
    # shopper's phone or delivery details are on the attempt by then.
    return not TransactionEvent.objects.filter(transaction_id=txn.pk, idempotency_key=METHOD_CHOSEN).exists()


def checkout_failure(*, txn: Transaction) -> dict[str, str]:
    """Why an attempt ended unpaid: {"kind": declined|cancelled|expired|failed, "detail": the
    partner's message for a decline (its reason, e.g. a balance too low), else ""}. Read from the
    status change that ended it. A cancel's or an expiry's partner message is only the status
    call's own wording ("Confirmed order status. Valid!"), which would confuse the shopper."""
    event = (
        txn.events.filter(to_status=txn.status, kind__in=["status_changed", "status_corrected"])
        .order_by("-id")
        .first()
    )
    payload = (event.payload if event else {}) or {}
    raw = str(payload.get("raw_status") or payload.get("code") or "").lower()
    if payload.get("reason") == "abandoned":
        kind = "cancelled"
    elif txn.status == Status.EXPIRED:
        kind = "expired"
    elif any(word in raw for word in ("cancel", "close", "abort")):
        kind = "cancelled"
    elif event and event.source in ("partner", "partner_callback", "poll", "sync", "return", "push"):
        kind = "declined"
    else:
        kind = "failed"
    detail = str(payload.get("message") or "")[:200] if kind == "declined" else ""
    return {"kind": kind, "detail": detail}


def payment_link_get(*, code: str) -> PaymentLink | None:
    """The link whose URL code is `code` (any merchant's: the code is the link's secret), or None."""
    return PaymentLink.objects.filter(code=code).select_related("merchant").first()


def payment_links_for_merchant(*, merchant: Merchant) -> QuerySet[PaymentLink]:
    """The merchant's links, newest first, each with `paid_count` and `payment_count`."""
    return PaymentLink.objects.filter(merchant=merchant).annotate(
        payment_count=Count("checkouts__attempts", distinct=True),
        paid_count=Count(
            "checkouts__attempts",
            filter=Q(checkouts__attempts__status__in=[Status.PAID, Status.VOID, Status.REFUND])
            & Q(checkouts__attempts__paid_at__isnull=False),
            distinct=True,
        ),
    )


def payment_link_for_merchant(*, merchant: Merchant, link_id: int) -> PaymentLink | None:
    """The merchant's link `link_id` with its counts, or None (another merchant's id too)."""
    return payment_links_for_merchant(merchant=merchant).filter(pk=link_id).first()


def payment_link_transactions(*, link: PaymentLink) -> QuerySet[Transaction]:
    """Every payment attempt made through the link, newest first."""
    return Transaction.objects.filter(checkout__link=link).order_by("-id")


def payment_link_state(*, link: PaymentLink, paid_count: int) -> str:
    """active | expired | used | disabled."""
    if not link.is_active:
        return "disabled"
    if link.expires_at and link.expires_at <= timezone.now():
        return "expired"
    if not link.multi_use and paid_count:
        return "used"
    return "active"
