"""Reads for the merchant REST API. Every function takes the merchant and filters by it first:
another merchant's rows are as unknown as made-up ids."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet

from payments.exceptions import ApplicationError
from payments.models import Merchant, Notification, PartnerCallback, Transaction
from payments.selectors import transaction_get
from payments.selectors_dashboard import identifier_match

# The columns the REST list serialises (TransactionSerializer); anything else would cost a
# query per row, which the query-count test catches.
LIST_FIELDS = (
    "txid",
    "reference_no",
    "pay_method",
    "mitra_cd",
    "currency",
    "amount",
    "cancelled_amount",
    "status",
    "goods_name",
    "billing_name",
    "billing_phone",
    "billing_email",
    "needs_review",
    "created_at",
    "updated_at",
    "expires_at",
    "paid_at",
)


class NotificationNotFound(ApplicationError):
    result_cd = "9501"
    http_status = 404
    default_message = "Notification not found"


def transaction_list(
    *,
    merchant: Merchant,
    status: str | None = None,
    mitra_cd: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
    q: str | None = None,
) -> QuerySet[Transaction]:
    qs = Transaction.objects.filter(merchant=merchant)
    if status:
        qs = qs.filter(status=status)
    if mitra_cd:
        qs = qs.filter(mitra_cd=mitra_cd)
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_to is not None:
        qs = qs.filter(created_at__lt=created_to)
    if amount_min is not None:
        qs = qs.filter(amount__gte=amount_min)
    if amount_max is not None:
        qs = qs.filter(amount__lte=amount_max)
    if q:
        # An exact tXid/referenceNo through its index first (one query); otherwise names and e-mail
        # by substring (case-insensitive), phone by digits.
        qs = qs.filter(
            identifier_match(merchant, q)
            or Q(billing_name__icontains=q) | Q(billing_email__icontains=q) | Q(billing_phone__contains=q)
        )
    # The list never shows cart, sellers or delivery data: leave those columns in the table.
    return qs.only(*LIST_FIELDS).annotate(link_ref=F("checkout__link_id"))


def transaction_detail_get(*, merchant: Merchant, txid: str) -> Transaction:
    """The transaction with its timeline: events, partner callbacks, notifications + attempts."""
    txn = transaction_get(merchant=merchant, txid=txid)
    return (
        Transaction.objects.filter(pk=txn.pk)
        .prefetch_related(
            "events",
            Prefetch("partner_callbacks", queryset=PartnerCallback.objects.order_by("id")),
            Prefetch(
                "notifications", queryset=Notification.objects.order_by("id").prefetch_related("attempt_log")
            ),
        )
        .get()
    )


def notification_list(
    *, merchant: Merchant, state: str | None = None, txid: str | None = None
) -> QuerySet[Notification]:
    qs = Notification.objects.filter(merchant=merchant).select_related("transaction")
    if state:
        qs = qs.filter(state=state)
    if txid:
        qs = qs.filter(transaction__txid=txid)
    return qs


def notification_get(*, merchant: Merchant, notification_id: int) -> Notification:
    note = (
        Notification.objects.filter(merchant=merchant, pk=notification_id)
        .select_related("transaction")
        .prefetch_related("attempt_log")
        .first()
    )
    if note is None:
        raise NotificationNotFound()
    return note
