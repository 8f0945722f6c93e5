"""Input serializers validate query strings and bodies; output serializers shape answers.
Names follow NICEPAY's camelCase vocabulary (tXid, referenceNo, mitraCd) that merchants know."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rest_framework import serializers

from payments.models import Notification, Transaction
from payments.services.fees import payment_net
from payments.status import Status
from providers import registry

STATUS_VALUES = [s.value for s in Status]
NOTIFICATION_STATES = [s.value for s in Notification.State]
MAX_AMOUNT = 10**13  # far above any real payment, below bigint overflow
MAX_REPLAY_WINDOW = timedelta(days=31)
# The columns TransactionSerializer reads: the list loads only these (any other would cost a
# query per row, which the query-count test catches).
LIST_FIELDS = (
    "txid",
    "reference_no",
    "pay_method",
    "mitra_cd",
    "currency",
    "amount",
    "cancelled_amount",
    "fee",
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
    "door",
)


# --- errors --------------------------------------------------------------------------------------
class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found, invalid.")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field problems (only for code=invalid).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- input ---------------------------------------------------------------------------------------
class TransactionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=STATUS_VALUES,
        required=False,
        help_text="NICEPAY status: 0 paid, 1 void, 2 refund, 3 unpaid, "
        "4 processing, 5 expired, 8 failed, 9 init.",
    )
    mitraCd = serializers.ChoiceField(choices=[], required=False, help_text="A partner code.")
    createdFrom = serializers.DateTimeField(required=False, help_text="Inclusive (ISO 8601).")
    createdTo = serializers.DateTimeField(required=False, help_text="Exclusive (ISO 8601).")
    amountMin = serializers.IntegerField(required=False, min_value=0, max_value=MAX_AMOUNT)
    amountMax = serializers.IntegerField(required=False, min_value=0, max_value=MAX_AMOUNT)
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="tXid or referenceNo (exact), customer name, phone or e-mail (part).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mitraCd"].choices = registry.known_mitra_codes()  # the catalogue's, when asked


class NotificationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=NOTIFICATION_STATES, required=False)
    tXid = serializers.CharField(required=False, max_length=30)


class NotificationReplayInputSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Start of the window (inclusive, ISO 8601).")
    until = serializers.DateTimeField(help_text="End of the window (exclusive), at most 31 days after since.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("since", "until"):
            # Nothing predates the gateway; old dates would also carry historical (LMT) offsets.
            if attrs[name].year < 2000:
                raise serializers.ValidationError({name: ["Must be in the year 2000 or later."]})
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        if attrs["until"] - attrs["since"] > MAX_REPLAY_WINDOW:
            raise serializers.ValidationError({"until": ["The window is at most 31 days."]})
        return attrs


# --- output --------------------------------------------------------------------------------------
class CustomerSerializer(serializers.Serializer):
    name = serializers.CharField(source="billing_name")
    phone = serializers.CharField(source="billing_phone")
    email = serializers.CharField(source="billing_email")


class NetAmountField(serializers.IntegerField):
    """amount - mdrFee - cancelledAmount once paid, else 0 (the settlement report's net)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, txn: Transaction) -> int:
        return payment_net(
            amount=txn.amount, fee=txn.fee, refunded=txn.cancelled_amount, paid=txn.paid_at is not None
        )


class TransactionSerializer(serializers.Serializer):
    tXid = serializers.CharField(source="txid")
    referenceNo = serializers.CharField(source="reference_no")
    payMethod = serializers.CharField(source="pay_method")
    mitraCd = serializers.CharField(source="mitra_cd")
    currency = serializers.CharField()
    amount = serializers.IntegerField(help_text="Whole rupiah.")
    cancelledAmount = serializers.IntegerField(source="cancelled_amount")
    mdrFee = serializers.IntegerField(
        source="fee", help_text="Our MDR fee, whole rupiah: set when the payment is paid (0 before)."
    )
    netAmount = NetAmountField(
        help_text="What the payment settles to you, whole rupiah: amount - mdrFee - cancelledAmount once "
        "paid, else 0. Negative after a full refund (the MDR fee is not returned)."
    )
    status = serializers.ChoiceField(choices=STATUS_VALUES)
    statusWord = serializers.CharField(source="status_enum.word")
    goodsName = serializers.CharField(source="goods_name")
    customer = CustomerSerializer(source="*")
    needsReview = serializers.BooleanField(source="needs_review")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    expiresAt = serializers.DateTimeField(source="expires_at")
    paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)
    door = serializers.ChoiceField(
        choices=Transaction.Door.values,
        help_text="The merchant API it came through: v2 (NICEPAY V2) or snap (BI-SNAP).",
    )
    paymentLinkId = serializers.IntegerField(
        source="payment_link_id", allow_null=True, help_text="The payment link it was paid through, if any."
    )


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    fromStatus = serializers.CharField(source="from_status")
    toStatus = serializers.CharField(source="to_status")
    source = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")


class PartnerCallbackSummarySerializer(serializers.Serializer):
    """Outcome only: raw headers and body stay with ops (they carry partner signatures)."""

    id = serializers.IntegerField()
    mitraCd = serializers.CharField(source="mitra_cd")
    outcome = serializers.CharField()
    detail = serializers.CharField()
    receivedAt = serializers.DateTimeField(source="received_at")


class NotificationAttemptSerializer(serializers.Serializer):
    startedAt = serializers.DateTimeField(source="started_at")
    finishedAt = serializers.DateTimeField(
        source="finished_at",
        allow_null=True,
        help_text="Empty while the request is with your server; an attempt cut off by a stopped "
        "sender is closed with error 'interrupted' (it may have reached you).",
    )
    durationMs = serializers.IntegerField(source="duration_ms")
    httpStatus = serializers.IntegerField(source="http_status", allow_null=True)
    responseExcerpt = serializers.CharField(source="response_excerpt")
    error = serializers.CharField()


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tXid = serializers.CharField(source="transaction.txid", allow_null=True)
    kind = serializers.CharField()
    sequence = serializers.IntegerField()
    url = serializers.CharField()
    state = serializers.ChoiceField(choices=NOTIFICATION_STATES)
    attempts = serializers.IntegerField()
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)
    deliveredAt = serializers.DateTimeField(source="delivered_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")


class NotificationWithAttemptsSerializer(NotificationSerializer):
    attemptLog = NotificationAttemptSerializer(source="attempt_log.all", many=True)


class TransactionDetailSerializer(TransactionSerializer):
    description = serializers.CharField()
    events = EventSerializer(source="events.all", many=True)
    partnerCallbacks = PartnerCallbackSummarySerializer(source="partner_callbacks.all", many=True)
    notifications = NotificationWithAttemptsSerializer(source="notifications.all", many=True)


class NotificationReplayResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="How many failed or dead notifications were queued again.")
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
