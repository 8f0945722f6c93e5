"""The gateway's data. Money is whole rupiah in integers. Money rows are never deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import secrets as key_store
from .status import CHOICES as STATUS_CHOICES
from .status import OPEN, Status


class Merchant(models.Model):
    imid = models.CharField("iMid", max_length=10, unique=True)
    name = models.CharField(max_length=100)
    merchant_key_encrypted = models.TextField(editable=False)
    default_notification_url = models.URLField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Key rotation with an overlap: the replaced key keeps working until previous_key_valid_until.
    previous_key_encrypted = models.TextField(blank=True, editable=False)
    previous_key_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    require_two_factor = models.BooleanField(default=False)  # set by an owner for the whole team

    def __str__(self) -> str:
        return f"{self.imid} {self.name}"

    @property
    def merchant_key(self) -> str:
        return key_store.decrypt(self.merchant_key_encrypted)

    @property
    def previous_merchant_key(self) -> str:
        return key_store.decrypt(self.previous_key_encrypted) if self.previous_key_encrypted else ""

    def set_merchant_key(self, plain: str) -> None:
        self.merchant_key_encrypted = key_store.encrypt(plain)


class MerchantMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        DEVELOPER = "developer"
        VIEWER = "viewer"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # An owner can refund and reveal the merchantKey: in the back office only a superuser or
        # staff holding this permission may make one, or change or remove an owner's membership.
        permissions = [("grant_owner", "Can grant, change or remove a merchant's owner role")]


class Transaction(models.Model):
    class Door(models.TextChoices):
        """The merchant API a payment came through: it decides the wire of its notifications."""

        V2 = "v2", "NICEPAY V2"
        SNAP = "snap", "BI-SNAP"

    txid = models.CharField("tXid", max_length=30, unique=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="transactions")
    reference_no = models.CharField("referenceNo", max_length=40)
    pay_method = models.CharField(max_length=2)
    mitra_cd = models.CharField(max_length=4)
    currency = models.CharField(max_length=3, default="IDR")
    amount = models.PositiveBigIntegerField()
    cancelled_amount = models.PositiveBigIntegerField(default=0)
    vat = models.PositiveBigIntegerField(default=0)
    fee = models.PositiveBigIntegerField(default=0)  # our MDR, whole rupiah, computed when paid
    notax_amount = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=1, choices=STATUS_CHOICES, default=Status.INIT)
    goods_name = models.CharField(max_length=100)
    description = models.CharField(max_length=100, blank=True)
    billing_name = models.CharField(max_length=100)
    billing_phone = models.CharField(max_length=15)
    billing_email = models.CharField(max_length=40)
    billing_address = models.CharField(max_length=100, blank=True)
    billing_city = models.CharField(max_length=50, blank=True)
    billing_state = models.CharField(max_length=50, blank=True)
    billing_post_code = models.CharField(max_length=10, blank=True)
    billing_country = models.CharField(max_length=10, blank=True)
    delivery_name = models.CharField(max_length=100, blank=True)
    delivery_phone = models.CharField(max_length=15, blank=True)
    delivery_address = models.CharField(max_length=100, blank=True)
    delivery_city = models.CharField(max_length=50, blank=True)
    delivery_state = models.CharField(max_length=50, blank=True)
    delivery_post_code = models.CharField(max_length=10, blank=True)
    delivery_country = models.CharField(max_length=10, blank=True)
    cart_data = models.JSONField(default=dict)  # {"items": [CartItem fields, ...]}
    sellers = models.JSONField(null=True, blank=True)  # [Seller fields, ...]
    instalment_type = models.CharField(max_length=2, blank=True)
    instalment_months = models.CharField(max_length=2, blank=True)
    user_ip = models.CharField(max_length=15, blank=True)
    db_process_url = models.CharField(max_length=255)
    callback_url = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField()
    partner_ref = models.CharField(max_length=100, blank=True, db_index=True)
    partner_data = models.JSONField(default=dict, blank=True)  # e.g. the next action, Akulaku order
    request_fingerprint = models.CharField(max_length=64)  # identical replay detection
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    payment_started_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Polling: when to ask the partner next, and how many times we have asked.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=255, blank=True)
    receipt_confirmed_at = models.DateTimeField(null=True, blank=True)  # Akulaku
    receipt_response = models.JSONField(null=True, blank=True)
    notification_seq = models.PositiveIntegerField(default=0)  # last sequence number handed out
    door = models.CharField(max_length=8, choices=Door.choices, default=Door.V2)
    door_data = models.JSONField(default=dict, blank=True)  # request facts only its door answers with
    # Hosted checkout (redirect API or payment link): the order this payment attempt belongs to.
    checkout = models.ForeignKey(
        "Checkout", null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )

    class Meta:
        constraints = [
            # One open or paid transaction per referenceNo; attempts that ended unpaid (failed,
            # expired, voided before payment) free it for a new attempt (hosted checkout retries).
            models.UniqueConstraint(
                fields=["merchant", "reference_no"],
                condition=~Q(status__in=[Status.EXPIRED, Status.FAILED])
                & ~Q(status=Status.VOID, paid_at__isnull=True),
                name="txn_merchant_reference_live_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "reference_no"], name="txn_merchant_reference_idx"),
            models.Index(fields=["merchant", "-created_at", "-id"], name="txn_merchant_recent_idx"),
            models.Index(
                fields=["next_poll_at"], name="txn_poll_due_idx", condition=Q(status__in=sorted(OPEN))
            ),
            models.Index(
                fields=["expires_at"], name="txn_expiry_due_idx", condition=Q(status__in=sorted(OPEN))
            ),
            models.Index(fields=["needs_review"], name="txn_review_idx", condition=Q(needs_review=True)),
            # Dashboard and API search by the customer's phone or e-mail, per merchant.
            models.Index(fields=["merchant", "billing_phone"], name="txn_merchant_phone_idx"),
            models.Index(fields=["merchant", "billing_email"], name="txn_merchant_email_idx"),
            # Balance and settlement report: a merchant's payments by the day they were paid,
            # covering what they sum (PostgreSQL reads the index alone; others ignore `include`).
            models.Index(
                fields=["merchant", "paid_at"],
                name="txn_merchant_paid_idx",
                condition=Q(paid_at__isnull=False),
                include=["mitra_cd", "amount", "fee"],
            ),
        ]

    def __str__(self) -> str:
        return self.txid

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def is_payloan(self) -> bool:
        return self.pay_method == "06"

    @property
    def remaining_amount(self) -> int:
        return self.amount - self.cancelled_amount

    @property
    def payment_link_id(self) -> int | None:
        """The payment link this payment came through (lists annotate it as link_ref)."""
        if "link_ref" in self.__dict__:
            return self.__dict__["link_ref"]
        return self.checkout.link_id if self.checkout_id else None


class TransactionEvent(models.Model):
    """Append-only timeline. (transaction, idempotency_key) is unique: a repeat is a no-op."""

    class Kind(models.TextChoices):
        REGISTERED = "registered"
        PAYMENT_STARTED = "payment_started"
        STATUS_CHANGED = "status_changed"
        STATUS_CORRECTED = "status_corrected"
        REJECTED = "rejected"  # an illegal or mismatching move, flagged for review
        CANCEL = "cancel"
        RECEIPT = "receipt"
        REVIEW_RESOLVED = "review_resolved"
        NOTE = "note"

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=1, blank=True)
    to_status = models.CharField(max_length=1, blank=True)
    source = models.CharField(max_length=30)  # partner_callback, poll, sync, merchant, expiry, ops...
    idempotency_key = models.CharField(max_length=200)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "idempotency_key"], name="event_idempotency_uniq"),
        ]


class Cancellation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"  # with the partner now
        UNKNOWN = "unknown"  # its answer was lost (timeout, process died): being checked with the partner
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # the partner refused it, or never made it: nothing was refunded

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="cancellations")
    # The transaction's merchant, copied so the merchant's refunds list pages on its own index.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="cancellations")
    cancel_txid = models.CharField(max_length=30, unique=True)
    cancel_type = models.CharField(max_length=1)  # 1 full, 2 partial
    amount = models.PositiveBigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=200)
    # Who asked: a dashboard member, or the merchant's server (api) when requested_by is empty.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=30, blank=True)
    partner_ref = models.CharField(max_length=100, blank=True)
    result_code = models.CharField(max_length=40, blank=True)  # the failure's error code
    result_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The settle sweep (services/cancellation.py): when to ask the partner next, how often it asked.
    next_check_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transaction", "idempotency_key"], name="cancel_idempotency_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-created_at", "-id"], name="cancel_merchant_recent_idx"),
            models.Index(
                fields=["next_check_at"],
                name="cancel_unsettled_idx",
                condition=Q(state__in=["pending", "unknown"]),
            ),
        ]


class PartnerCall(models.Model):
    """Single flight for a partner call that must happen once (an OVO push, an order created at
    registration): claimed before the call, marked done after it - a row, never a lock held across
    the call. A claim whose lease ran out was abandoned (its process died) and may be taken over
    (attempt + 1); whoever takes over asks the partner what became of the first attempt."""

    key = models.CharField(max_length=120, unique=True)  # "push:<transaction id>", "register:..."
    transaction = models.ForeignKey(
        "Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="partner_calls"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    lease_until = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)  # e.g. the tXid a registration reserved
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["lease_until"], name="partnercall_open_idx", condition=Q(done_at__isnull=True)
            )
        ]


class PartnerCallback(models.Model):
    """A raw inbound partner notification, stored before it is parsed."""

    class Outcome(models.TextChoices):
        RECEIVED = "received"
        APPLIED = "applied"
        DUPLICATE = "duplicate"
        REJECTED = "rejected"
        ERROR = "error"

    mitra_cd = models.CharField(max_length=4)
    path = models.CharField(max_length=255)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    remote_addr = models.CharField(max_length=45, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_callbacks"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RECEIVED)
    detail = models.CharField(max_length=255, blank=True)


class UnverifiedCallback(models.Model):
    """A notification posted as a known partner that did not verify: bad or stale signature, a
    replayed nonce, an unparseable body, or one the partner disowned when asked. Kept apart from
    PartnerCallback (which holds only verified ones), redacted, cut to its first bytes, stored at
    a bounded rate per address, and purged after PARTNER_UNVERIFIED_RETENTION_DAYS by beat."""

    mitra_cd = models.CharField(max_length=4)
    path = models.CharField(max_length=255)
    remote_addr = models.CharField(max_length=45, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    headers = models.JSONField(default=dict)
    body_excerpt = models.TextField(blank=True)
    body_bytes = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=255)


class PartnerNonce(models.Model):
    """A notification nonce already accepted (Indodana's, with the body's digest): the unique
    constraint refuses a replay.
    Purged by beat once older than twice PARTNER_NOTIFICATION_WINDOW (a stale nonce is refused
    by its time anyway)."""

    mitra_cd = models.CharField(max_length=4)
    nonce = models.CharField(max_length=64)  # sha256 hex of the adapter's replay_key
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mitra_cd", "nonce"], name="partner_nonce_once")]


class Notification(models.Model):
    """Outbox row: one merchant notification per status change, written with the change."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # last attempt failed, another is scheduled
        DEAD = "dead"  # the retry schedule is exhausted

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="notifications")
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.ForeignKey(TransactionEvent, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, default="payment")  # payment | link | test
    sequence = models.PositiveIntegerField(default=0)
    url = models.CharField(max_length=255)
    payload = models.JSONField()  # the form fields
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # a worker holds it until then
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="notif_due_idx", condition=Q(state__in=["pending", "failed"])
            ),
            models.Index(fields=["merchant", "-created_at"], name="notif_merchant_idx"),
        ]


class NotificationAttempt(models.Model):
    """One POST to the merchant, as sent and as answered (the webhook log): recorded before the
    request leaves, settled after. Empty finished_at: in flight (or cut off, until the next attempt
    closes it as interrupted)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempt_log")
    # The notification's merchant, copied so a merchant's log pages on its own index.
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="notification_attempts"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=2000, blank=True)  # the first bytes of the answer
    error = models.CharField(max_length=255, blank=True)
    url = models.CharField(max_length=255, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)  # secrets masked before storing
    request_fields = models.JSONField(default=dict, blank=True)  # the form fields as posted
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # the retry this attempt scheduled

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["merchant", "-started_at", "-id"], name="attempt_merchant_recent_idx")
        ]


class AccountLink(models.Model):
    """AstraPay account linking (a mandate the merchant pays against)."""

    class State(models.TextChoices):
        PENDING = "pending"
        LINKED = "linked"
        REVOKED = "revoked"
        FAILED = "failed"

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="account_links")
    mitra_cd = models.CharField(max_length=4)
    reference_no = models.CharField(max_length=40)
    mandate_id = models.CharField(max_length=40, unique=True)
    billing_name = models.CharField(max_length=100)
    billing_phone = models.CharField(max_length=15)
    billing_email = models.CharField(max_length=40)
    db_process_url = models.CharField(max_length=255)
    callback_url = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    partner_ref = models.CharField(max_length=100, blank=True)
    token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    linked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "reference_no"], name="link_merchant_reference_uniq"),
        ]


class AuditLog(models.Model):
    """Every staff or merchant action that changes something."""

    class Actor(models.TextChoices):
        STAFF = "staff"
        MERCHANT = "merchant"
        API = "api"
        SYSTEM = "system"

    class Action(models.TextChoices):
        """The one vocabulary: <what>.<what happened to it>."""

        MEMBER_SIGNED_IN = "member.signed_in"
        MERCHANT_CREATED = "merchant.created"
        MERCHANT_UPDATED = "merchant.updated"
        MERCHANT_SUSPENDED = "merchant.suspended"
        MERCHANT_REACTIVATED = "merchant.reactivated"
        MERCHANT_KEY_ROTATED = "merchant.key_rotated"
        MERCHANT_KEY_REVEALED = "merchant.key_revealed"
        MERCHANT_NOTIFICATION_URL_SET = "merchant.notification_url_set"
        MERCHANT_CLIENT_SECRET_ROTATED = "merchant.client_secret_rotated"
        MERCHANT_CLIENT_SECRET_REVEALED = "merchant.client_secret_revealed"
        MERCHANT_PUBLIC_KEY_SET = "merchant.public_key_set"
        NOTIFICATION_TEST_SENT = "notification.test_sent"
        NOTIFICATION_RESENT = "notification.resent"
        NOTIFICATIONS_REPLAYED = "notification.replayed"
        RECONCILIATION_STARTED = "reconciliation.started"
        TEAM_INVITED = "team.invited"
        TEAM_JOINED = "team.joined"
        TEAM_INVITATION_REVOKED = "team.invitation_revoked"
        TEAM_ROLE_CHANGED = "team.role_changed"
        TEAM_MEMBER_ADDED = "team.member_added"
        TEAM_MEMBER_UPDATED = "team.member_updated"
        TEAM_MEMBER_REMOVED = "team.member_removed"
        TRANSACTION_SYNCED = "transaction.synced"
        TRANSACTION_CANCELLED = "transaction.cancelled"
        TRANSACTION_CANCEL_REFUSED = "transaction.cancel_refused"
        TRANSACTION_RECEIPT_CONFIRMED = "transaction.receipt_confirmed"
        TRANSACTION_REVIEW_RESOLVED = "transaction.review_resolved"
        TRANSACTIONS_EXPORTED = "transactions.exported"
        TRANSACTIONS_EXPORT_QUEUED = "transactions.export_queued"
        MERCHANT_PREVIOUS_KEY_RETIRED = "merchant.previous_key_retired"
        ACCOUNT_PASSWORD_RESET_SENT = "account.password_reset_sent"
        ACCOUNT_PASSWORD_RESET = "account.password_reset"
        ACCOUNT_PASSWORD_CHANGED = "account.password_changed"
        ACCOUNT_TWO_FACTOR_ON = "account.two_factor_on"
        ACCOUNT_TWO_FACTOR_OFF = "account.two_factor_off"
        TEAM_TWO_FACTOR_REQUIRED = "team.two_factor_required"
        TEAM_TWO_FACTOR_OPTIONAL = "team.two_factor_optional"
        SETTLEMENT_EXPORTED = "settlement.exported"
        REFUNDS_EXPORTED = "refunds.exported"
        FEE_CREATED = "fee.created"
        FEE_UPDATED = "fee.updated"
        PAYMENT_LINK_CREATED = "payment_link.created"
        PAYMENT_LINK_ENABLED = "payment_link.enabled"
        PAYMENT_LINK_DISABLED = "payment_link.disabled"
        CHECKOUT_SETTINGS_UPDATED = "checkout.settings_updated"
        USER_CREATED = "user.created"
        USER_UPDATED = "user.updated"
        USER_PASSWORD_SET = "user.password_set"
        USER_DELETED = "user.deleted"
        GROUP_CREATED = "group.created"
        GROUP_UPDATED = "group.updated"

    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_log"
    )
    action = models.CharField(max_length=60, choices=Action.choices)
    target = models.CharField(max_length=100, blank=True)  # e.g. "transaction:IONPAYTEST05..."
    detail = models.JSONField(default=dict, blank=True)  # never secrets
    remote_addr = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]


class Job(models.Model):
    """Long work (CSV export, notification replay, reconciliation) with progress a page can follow."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=20)  # export | replay | reconcile
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    file_path = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Recovery of jobs whose worker died or whose queued task was lost (services/jobs.py sweep).
    dispatched_at = models.DateTimeField(null=True, blank=True)  # last handed to Celery
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the running worker is alive
    restarts = models.PositiveSmallIntegerField(default=0)  # runs restarted after a dead worker

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["state"], name="job_unfinished_idx", condition=Q(state__in=["queued", "running"])
            )
        ]


class Invitation(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=MerchantMember.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)


class PartnerFee(models.Model):
    """MDR (merchant discount rate) and settlement delay. A row without a merchant is the partner's
    default; a merchant's own row replaces it for that merchant. Fee = fixed + amount x percent_bp /
    10,000, rounded half up to the whole rupiah (payments/services/fees.py)."""

    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_fees"
    )
    mitra_cd = models.CharField("partner (mitraCd)", max_length=4)
    percent_bp = models.PositiveIntegerField(
        "percent (basis points)", default=0, help_text="Hundredths of a percent: 150 = 1.50 %."
    )
    fixed = models.PositiveBigIntegerField("fixed (Rp)", default=0, help_text="Whole rupiah per payment.")
    settlement_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Working days from payment to settlement (1 = T+1). Empty: the partner default's.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mitra_cd"], name="fee_merchant_partner_uniq"),
            models.UniqueConstraint(
                fields=["mitra_cd"], condition=Q(merchant__isnull=True), name="fee_partner_default_uniq"
            ),
            models.CheckConstraint(condition=Q(percent_bp__lte=10_000), name="fee_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        who = self.merchant.imid if self.merchant_id else "default"
        return (
            f"{self.mitra_cd} {who}: {self.percent_bp // 100}.{self.percent_bp % 100:02d}% + Rp {self.fixed}"
        )


# --- the token-based merchant API (BI-SNAP): credentials, tokens, request ids, refund numbers ---


class ApiCredential(models.Model):
    """A merchant's credentials for the token-based API: the client secret that keys each request's
    signature, and the RSA public key that verifies its token requests. The client id is the iMid."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="api_credential")
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    public_key_pem = models.TextField(blank=True)
    public_key_fingerprint = models.CharField(max_length=64, blank=True)  # SHA-256 hex of the DER key
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def client_secret(self) -> str:
        return key_store.decrypt(self.client_secret_encrypted) if self.client_secret_encrypted else ""


class AccessToken(models.Model):
    """A bearer token, stored as its SHA-256 only. Revoked when the merchant's credentials change."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "expires_at"], name="token_merchant_expiry_idx")]


class RequestId(models.Model):
    """A request id a merchant has spent (SNAP's X-EXTERNAL-ID): once per merchant, call and day."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="request_ids")
    scope = models.CharField(max_length=20)  # the call it was spent on
    day = models.DateField()  # Asia/Jakarta
    value = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "scope", "day", "value"], name="request_id_once_a_day"
            )
        ]


class RefundReference(models.Model):
    """The merchant's own number for a refund (SNAP's partnerRefundNo): one refund per number."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="refund_references")
    reference = models.CharField(max_length=64)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="refund_references")
    cancellation = models.ForeignKey(Cancellation, null=True, blank=True, on_delete=models.PROTECT)
    fingerprint = models.CharField(max_length=64)  # what was asked: the same number again must match
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "reference"], name="refund_reference_once")
        ]


class GatewayKey(models.Model):
    """The gateway's own signing key when no setting provides one: generated once, encrypted."""

    name = models.CharField(max_length=40, unique=True)
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def private_key_pem(self) -> str:
        return key_store.decrypt(self.private_key_encrypted)


class CheckoutSettings(models.Model):
    """What the merchant's shoppers see on the hosted checkout, set in the dashboard."""

    class Language(models.TextChoices):
        BROWSER = "", "Follow the shopper's browser"
        ID = "id", "Bahasa Indonesia"
        EN = "en", "English"

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="checkout_settings")
    display_name = models.CharField(max_length=60, blank=True)  # blank: the merchant's name
    logo = models.BinaryField(null=True, blank=True, editable=False)  # PNG/JPEG/WebP, small
    logo_content_type = models.CharField(max_length=20, blank=True)
    logo_version = models.PositiveIntegerField(default=0)  # in the logo URL: caches never go stale
    default_language = models.CharField(max_length=2, choices=Language.choices, blank=True)
    disabled_methods = models.JSONField(default=list, blank=True)  # mitraCd values not offered
    # NICEPAY's own payment link is /redirect/v2/payment?tXid=... with no secret; merchants who
    # use our paymentURL (which carries one) can refuse the bare form.
    accept_txid_only_links = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)


class PaymentLink(models.Model):
    """A link the merchant shares (chat, e-mail, QR code); each payment through it is a Transaction."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payment_links")
    code = models.CharField(max_length=32, unique=True)  # random and unguessable: the URL's secret
    amount = models.PositiveBigIntegerField()  # whole rupiah
    description = models.CharField(max_length=100)
    expires_at = models.DateTimeField(null=True, blank=True)
    multi_use = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="paylink_merchant_idx")]

    def __str__(self) -> str:
        return f"{self.merchant.imid} link {self.pk}"


class Checkout(models.Model):
    """One order paid on the hosted page. Its attempts (Transactions) share its referenceNo: one
    attempt is open at a time, and a new one starts only after the last ended unpaid."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="checkouts")
    link = models.ForeignKey(
        PaymentLink, null=True, blank=True, on_delete=models.PROTECT, related_name="checkouts"
    )
    reference_no = models.CharField("referenceNo", max_length=40)
    pay_method = models.CharField(max_length=2)  # what the registration allowed: 00, 05 or 06
    mitra_cd = models.CharField(max_length=4, blank=True)  # narrowed to one partner, or ""
    order = models.JSONField(default=dict)  # the registration's order, copied into each attempt
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "reference_no"], name="checkout_merchant_ref_idx")]


class TxidCounter(models.Model):
    """The last tXid suffix handed out per (iMid, payMethod), and in which second (services/txids.py)."""

    imid = models.CharField(max_length=10)
    pay_method = models.CharField(max_length=2)
    second = models.CharField(max_length=14)  # yyyyMMddHHmmss, Asia/Jakarta
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["imid", "pay_method"], name="txid_counter_uniq")]


class TransactionRollup(models.Model):
    """How many of a merchant's transactions, and how much (whole rupiah, the registered amount),
    were created on one Asia/Jakarta day with one partner and are now in one status; `paid` tells a
    void after payment from one before it (paid_at set). Kept current in the DB transaction of each
    registration and status change (services/rollups.py); rebuilt by `manage.py rollups_rebuild`.
    The dashboard overview reads these instead of grouping the transactions."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    mitra_cd = models.CharField(max_length=4)
    status = models.CharField(max_length=1, choices=STATUS_CHOICES)
    paid = models.BooleanField()
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "day", "mitra_cd", "status", "paid"], name="txn_rollup_bucket_uniq"
            )
        ]
