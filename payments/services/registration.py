"""Registration: validate the order against the partner's rules and store it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import Merchant, PartnerCall, Transaction, TransactionEvent
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import CartItem, RegisterResult, Seller

from . import claims
from .partner_io import order_info
from .registration_store import registration_store
from .txids import txid_allocate, txid_allocate_seeing

# A copy of a registration whose order is being created at the partner waits this long (seconds)
# for the first one's answer before it is told to retry.
REGISTER_WAIT_SECONDS = 3.0
DELIVERY_FIELDS = (
    "delivery_name",
    "delivery_phone",
    "delivery_address",
    "delivery_city",
    "delivery_state",
    "delivery_post_code",
    "delivery_country",
)


@dataclass(frozen=True)
class RegistrationData:
    """A merchant's order as its front door read it. Money in whole rupiah.

    `cart` and `sellers` are the door's parsers of what the merchant sent, called when the rules
    reach them (so errors come in the same order for every door); they raise the door's errors."""

    pay_method: str
    mitra_cd: str
    currency: str
    amount: int
    reference_no: str
    goods_name: str
    billing: dict[str, str]  # Transaction field name -> value
    cart: Callable[[], tuple[CartItem, ...]]
    db_process_url: str
    user_ip: str
    fingerprint: str  # the same request again (the door includes its timestamp and token) is a replay
    description: str = ""
    callback_url: str = ""
    delivery: dict[str, str] = field(default_factory=dict)
    sellers: Callable[[], tuple[Seller, ...]] | None = None  # None: the merchant sent none
    instalment_type: str = ""
    instalment_months: str = ""
    pay_valid_until: datetime | None = None
    vat: int = 0
    fee: int = 0
    notax_amount: int = 0
    door: str = Transaction.Door.V2  # the merchant API it came through
    door_data: dict = field(default_factory=dict)  # request facts only that door answers with


# NICEPAY's billingEmail is ANS 40 (nicepay-v2.md §2.1), and so is our column.
BILLING_EMAIL_MAX = Transaction._meta.get_field("billing_email").max_length


def check_billing_email(email: str) -> None:
    """The shopper's e-mail, when one is given ("" passes: whether one is required is the door's
    field rule). The one rule for every door, the hosted pages' EmailField included: Django's
    EmailValidator, which takes what real shops send (plus signs, subdomains, upper case,
    international domains) and refuses no "@", spaces, an empty part or a domain without a dot;
    at most BILLING_EMAIL_MAX (40) characters. Raises BillingEmailInvalid."""
    if not email:
        return
    try:
        validate_email(email)
    except ValidationError:
        raise err.BillingEmailInvalid()
    if len(email) > BILLING_EMAIL_MAX:
        raise err.BillingEmailInvalid()


def new_txid(imid: str, pay_method: str) -> str:
    """NICEPAY's 30-char shape, from the per-second counter (never a random draw): see txids.py."""
    return txid_allocate(imid=imid, pay_method=pay_method)


def _partner_for(data: RegistrationData, *, via_link: bool) -> registry.Partner:
    if data.pay_method not in registry.PAY_METHODS:
        raise err.PayMethodNotOffered(pay_method=data.pay_method)
    partner = registry.find(data.mitra_cd)
    if partner is None:
        raise err.PartnerNotOffered(mitra_cd=data.mitra_cd)
    if partner.pay_method != data.pay_method:
        raise err.PartnerNotForPayMethod(mitra_cd=data.mitra_cd, pay_method=data.pay_method)
    if partner.needs_linking and not via_link:
        raise err.LinkedAccountRequired(partner=partner.name)
    return partner


def check_total(items: tuple[CartItem, ...], amount: int) -> None:
    """The cart must add up to the amount (whole rupiah). Raises CartTotalMismatch."""
    total = sum(i.unit_price * i.quantity for i in items)
    if total != amount:
        raise err.CartTotalMismatch(amount=amount, total=total)


def check_sellers(items: tuple[CartItem, ...], sellers: tuple[Seller, ...], *, partner: str) -> None:
    """Every item names a seller of `sellers`. Raises SellerMissing or SellerUnknown."""
    known = {s.id for s in sellers}
    for item in items:
        if not item.seller_id:
            raise err.SellerMissing(item=item.name, partner=partner)
        if item.seller_id not in known:
            raise err.SellerUnknown(seller_id=item.seller_id)


def _check_rules(
    data: RegistrationData, partner: registry.Partner
) -> tuple[tuple[CartItem, ...], tuple[Seller, ...]]:
    if data.currency != "IDR":
        raise err.CurrencyNotSupported(currency=data.currency)
    if data.amount < partner.min_amount:
        raise err.AmountBelowMinimum(amount=data.amount, minimum=partner.min_amount)
    if data.amount > partner.max_amount:
        raise err.AmountAboveMaximum(amount=data.amount, maximum=partner.max_amount)
    items = data.cart()
    check_total(items, data.amount)
    sellers: tuple[Seller, ...] = ()
    if partner.is_payloan:
        if data.instalment_type not in ("1", "2"):
            raise err.InstalmentTypeInvalid(instalment_type=data.instalment_type)
        if partner.tenors and data.instalment_months.lstrip("0") not in partner.tenors:
            raise err.TenorNotOffered(months=data.instalment_months, allowed=", ".join(partner.tenors))
        for name in DELIVERY_FIELDS:
            if not data.delivery.get(name):
                raise err.DeliveryRequired(field=name)
    if data.sellers is not None or partner.sellers_required:
        if data.sellers is None:
            raise err.SellersRequired(partner=partner.name)
        sellers = data.sellers()
        if partner.sellers_required:
            check_sellers(items, sellers, partner=partner.name)
    return items, sellers


def holds_reference(txn: Transaction) -> bool:
    """Open or paid: the referenceNo is taken. Failed, expired and voided-before-payment attempts
    free it (the database's partial unique constraint says the same)."""
    if txn.status in (Status.FAILED, Status.EXPIRED):
        return False
    return not (txn.status == Status.VOID and txn.paid_at is None)


def _existing(merchant: Merchant, data: RegistrationData) -> Transaction | None:
    # One query: the replay and the holder come from the same snapshot (a concurrent copy of this
    # request may commit between two queries).
    same = list(Transaction.objects.filter(merchant=merchant, reference_no=data.reference_no).order_by("id"))
    for txn in same:
        if txn.request_fingerprint == data.fingerprint:
            return txn  # the same request again (its timestamp and token too) gets the same answer
    held = next((txn for txn in same if holds_reference(txn)), None)
    if held is not None:
        raise duplicate_reference(data.reference_no, held)
    return None  # every earlier attempt ended unpaid: a new transaction may take the referenceNo


def duplicate_reference(reference_no: str, held: Transaction | None) -> err.DuplicateReference:
    """The refusal naming the transaction `held` that holds `reference_no`; None when the holder
    is not visible yet (a concurrent request's transaction that lost no race but has not committed)."""
    if held is None:
        return err.DuplicateReference(reference_no=reference_no, txid="(being registered now)", word="open")
    return err.DuplicateReference(
        reference_no=reference_no, txid=held.txid, word=held.status_enum.word, paid=held.paid_at is not None
    )


def reference_holder(merchant: Merchant, reference_no: str) -> Transaction | None:
    """The merchant's transaction that holds `reference_no` now (open or paid), if any."""
    same = Transaction.objects.filter(merchant=merchant, reference_no=reference_no).order_by("id")
    return next((txn for txn in same if holds_reference(txn)), None)


def existing_registration(merchant: Merchant, data: RegistrationData) -> Transaction | None:
    """The transaction an identical earlier request made, or None when the referenceNo is free.
    Raises DuplicateReference while another open or paid transaction holds the referenceNo."""
    return _existing(merchant, data)


def check_partner_rules(data: RegistrationData, partner: registry.Partner) -> None:
    """The partner's registration rules (amount limits in whole rupiah, cart total, tenor, delivery,
    sellers). Raises the InvalidInput subclasses transaction_register raises."""
    _check_rules(data, partner)


def registration_data_of(txn: Transaction) -> RegistrationData:
    """A stored transaction as registration input, to check it against a partner's rules."""
    items = tuple(CartItem(**item) for item in txn.cart_data.get("items", ()))
    sellers = tuple(Seller(**seller) for seller in txn.sellers or ())
    return RegistrationData(
        pay_method=txn.pay_method,
        mitra_cd=txn.mitra_cd,
        currency=txn.currency,
        amount=txn.amount,
        reference_no=txn.reference_no,
        goods_name=txn.goods_name,
        billing={},
        cart=lambda: items,
        db_process_url=txn.db_process_url,
        user_ip=txn.user_ip,
        fingerprint=txn.request_fingerprint,
        delivery={name: getattr(txn, name) for name in DELIVERY_FIELDS if getattr(txn, name)},
        sellers=(lambda: sellers) if txn.sellers else None,
        instalment_type=txn.instalment_type,
        instalment_months=txn.instalment_months,
    )


def _partner_register(adapter, txn: Transaction) -> RegisterResult:  # noqa: ANN001 - a PartnerAdapter
    try:
        return adapter.register(order_info(txn))
    except PartnerUnavailable:
        raise err.RegistrationPartnerFailure(detail="the partner did not answer, please retry")
    except PartnerDeclined as exc:
        raise err.RegistrationDeclined(detail=exc.message)
    except PartnerError as exc:
        raise err.RegistrationPartnerFailure(detail=exc.message)


def register_at_partner(txn: Transaction) -> None:
    """For partners that create their order at registration (Akulaku), when a hosted checkout
    attempt gets its method: call the partner (outside any DB transaction) and keep its order.
    Raises RegistrationPartnerFailure or RegistrationDeclined."""
    if not registry.partner(txn.mitra_cd).registers_at_partner or txn.partner_ref:
        return
    result = _partner_register(registry.get_adapter(txn.mitra_cd), txn)
    txn.partner_ref = result.partner_ref
    txn.partner_data = {**txn.partner_data, "order": dict(result.data)}
    Transaction.objects.filter(pk=txn.pk, partner_ref="").update(
        partner_ref=txn.partner_ref, partner_data=txn.partner_data
    )


def transaction_register(
    *, merchant: Merchant, data: RegistrationData, via_link: bool = False
) -> Transaction:
    """Validate `data` against the partner's rules and store the transaction (status init).

    Args: `via_link` is set by the account-link door (partners that pay only from a linked
    account). Returns the new transaction, or the stored one when the same request (same
    fingerprint) comes again. A reference is used again only once all its earlier transactions
    ended unpaid (failed, expired, voided before payment); the partial unique constraint
    txn_merchant_reference_live_uniq decides under concurrency. Partners that register orders
    (Akulaku) are called first, outside any DB transaction, one request per referenceNo at a time
    (_register_at_partner); nothing is stored when they refuse. Amounts are whole rupiah; the
    validity defaults to the partner's own (seconds).
    Raises: InvalidInput subclasses (pay method, partner, currency, amount limits, cart total,
    instalment, delivery, sellers, validity), DuplicateReference (the reference is held by an open
    or paid transaction), RegistrationPartnerFailure, RegistrationInProgress, RegistrationDeclined,
    TxidCollision; and
    whatever the door's cart/sellers parsers raise. BillingEmailInvalid (check_billing_email)."""
    check_billing_email(data.billing.get("billing_email", ""))
    partner = _partner_for(data, via_link=via_link)
    items, sellers = _check_rules(data, partner)
    # The tXid and "is this referenceNo new to the merchant?" in one round trip; only a seen one is
    # read (replay or 9009). A new one may still lose a race: the unique constraint decides below.
    txid, seen = txid_allocate_seeing(
        imid=merchant.imid,
        pay_method=data.pay_method,
        merchant_id=merchant.pk,
        reference_no=data.reference_no,
    )
    if seen and (found := _existing(merchant, data)) is not None:
        return found
    now = timezone.now()
    expires_at = data.pay_valid_until or now + timedelta(seconds=partner.expiry_seconds)
    if expires_at <= now:
        raise err.ValidUntilInPast()
    txn = Transaction(
        txid=txid or new_txid(merchant.imid, data.pay_method),
        merchant=merchant,
        reference_no=data.reference_no,
        pay_method=data.pay_method,
        mitra_cd=data.mitra_cd,
        currency=data.currency,
        amount=data.amount,
        vat=data.vat,  # (the request's CC-only `fee` is not kept: Transaction.fee is our MDR)
        notax_amount=data.notax_amount,
        goods_name=data.goods_name,
        description=data.description,
        cart_data={"items": [asdict(i) for i in items]},
        sellers=[asdict(s) for s in sellers] or None,
        instalment_type=data.instalment_type,
        instalment_months=data.instalment_months,
        user_ip=data.user_ip,
        db_process_url=data.db_process_url,
        callback_url=data.callback_url,
        expires_at=expires_at,
        request_fingerprint=data.fingerprint,
        door=data.door,
        door_data=data.door_data,
        **data.billing,
        **data.delivery,
    )
    claim = _register_at_partner(merchant, data, txn) if partner.registers_at_partner else None
    if isinstance(claim, Transaction):
        return claim  # the same request, registered by the copy that held the claim
    event = TransactionEvent(
        kind=TransactionEvent.Kind.REGISTERED,
        to_status=txn.status,
        source="merchant",
        idempotency_key="registered",
    )
    try:
        if claim is None:
            registration_store(txn, event)  # one statement on PostgreSQL
        else:
            with transaction.atomic():
                claims.claim_done(claim)
                registration_store(txn, event)
    except IntegrityError:
        if isinstance(claim, PartnerCall):
            claims.claim_release(claim)
        if (found := _existing(merchant, data)) is not None:  # lost a race with the same request
            return found
        raise err.TxidCollision()
    return txn


def _register_at_partner(
    merchant: Merchant, data: RegistrationData, txn: Transaction
) -> PartnerCall | Transaction:
    """Create the order at the partner (Akulaku), once per (merchant, referenceNo) at a time.

    A PartnerCall claim is taken before the call (no lock is held across it). A copy of the request
    that arrives meanwhile waits up to REGISTER_WAIT_SECONDS for the first one's transaction and
    answers with it (or DuplicateReference for a different order), else RegistrationInProgress.
    An identical request that takes over a claim whose call timed out (or whose process died)
    sends the same tXid again, so the partner, which keys orders by it, adopts the order it made.
    Sets txn.partner_ref/partner_data. Returns the claim, or the stored transaction for a copy.
    Raises RegistrationInProgress, RegistrationDeclined, RegistrationPartnerFailure."""
    key = f"register:{merchant.pk}:{data.reference_no}"
    deadline = time.monotonic() + REGISTER_WAIT_SECONDS
    while (
        claim := claims.claim_take(
            key=key,
            seconds=settings.PARTNER_HTTP_TIMEOUT + 30,
            data={"txid": txn.txid, "fingerprint": data.fingerprint},
            reuse_done=True,
        )
    ) is None:
        if (found := _existing(merchant, data)) is not None:
            return found
        if time.monotonic() >= deadline:
            raise err.RegistrationInProgress(reference_no=data.reference_no)
        time.sleep(0.1)
    try:
        found = _existing(merchant, data)  # the copy ahead of us may have finished meanwhile
    except err.DuplicateReference:
        claims.claim_release(claim)
        raise
    if found is not None:
        claims.claim_done(claim)
        return found
    if claim.attempt > 1 and claim.data.get("fingerprint") == data.fingerprint:
        txn.txid = claim.data["txid"]  # the earlier attempt's order, if it reached the partner
    try:
        result = registry.get_adapter(txn.mitra_cd).register(order_info(txn))
    except PartnerDeclined as exc:
        claims.claim_release(claim)
        raise err.RegistrationDeclined(detail=exc.message)
    except PartnerError as exc:  # unknown outcome: a retry of this request adopts the order, if any
        claims.claim_abandon(claim, txid=txn.txid, fingerprint=data.fingerprint)
        if isinstance(exc, PartnerUnavailable):
            raise err.RegistrationPartnerFailure(detail="the partner did not answer, please retry")
        raise err.RegistrationPartnerFailure(detail=exc.message)
    txn.partner_ref = result.partner_ref
    txn.partner_data = {"order": dict(result.data)}
    return claim
