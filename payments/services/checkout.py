"""Hosted checkout: an order registered through the redirect API or a payment link, paid on our
page. Each payment attempt is a normal Transaction of the checkout; the first one carries the tXid
the merchant was given. After an attempt ends unpaid the shopper may start another one on the same
order while the checkout is open: one open or paid attempt per referenceNo, enforced by the lock
on the checkout and by the database's partial unique constraint."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments import secrets as key_store
from payments.exceptions import ApplicationError, DuplicateReference, InvalidField, NotAllowed
from payments.models import AccountLink, Checkout, Merchant, PaymentLink, Transaction, TransactionEvent
from payments.selectors_checkout import checkout_latest_attempt, checkout_methods
from payments.status import Status
from providers import registry
from providers.base.types import NextAction, PartnerKind

from . import linking
from . import registration as reg
from .cart import check_total, parse_cart, parse_sellers
from .payment import transaction_start_payment
from .transitions import transaction_apply_status

log = logging.getLogger("payments.checkout")
PAY_METHODS = ("00", "05", "06")
ORDER_FIELDS = (
    "currency",
    "amount",
    "goods_name",
    "description",
    "billing",
    "delivery",
    "cart_raw",
    "sellers_raw",
    "db_process_url",
    "callback_url",
    "user_ip",
    "instalment_type",
    "instalment_months",
    "vat",
    "fee",
    "notax_amount",
)


class NoMethodFits(ApplicationError):
    result_cd = "9012"
    http_status = 422
    default_message = "No payment method is available for this order"


class CheckoutClosed(NotAllowed):
    default_message = "This checkout is closed"


@dataclass(frozen=True)
class MethodChoice:
    """What the shopper chose on the hosted page, with what that partner needs."""

    mitra_cd: str
    phone: str = ""  # OVO: the number that gets the push
    tenor: str = ""  # pay-later: instmntMon
    delivery: dict[str, str] = field(default_factory=dict)  # pay-later, when the merchant sent none
    user_agent: str = ""


# --- registration --------------------------------------------------------------------------------


def _order_of(data: reg.RegistrationData) -> dict:
    return {k: v for k, v in asdict(data).items() if k in ORDER_FIELDS}


def _check(merchant: Merchant, data: reg.RegistrationData) -> None:
    if data.pay_method not in PAY_METHODS:
        raise InvalidField("payMethod", "payMethod must be 00 (shopper chooses), 05 or 06", result_cd="9012")
    if data.pay_method == "00" and data.mitra_cd:
        data = replace(data, mitra_cd="")
    if data.mitra_cd and data.mitra_cd not in registry.known_mitra_codes():
        raise InvalidField("mitraCd", f"mitraCd {data.mitra_cd!r} is not available", result_cd="9012")
    if data.currency != "IDR":
        raise InvalidField("currency", "currency must be IDR")
    if data.cart_raw:
        _, items = parse_cart(data.cart_raw)
        check_total(items, data.amount)
    if data.sellers_raw:
        parse_sellers(data.sellers_raw)
    if not checkout_methods(
        merchant=merchant, amount=data.amount, pay_method=data.pay_method, mitra_cd=data.mitra_cd
    ):
        raise NoMethodFits(
            f"No payment method fits payMethod {data.pay_method}"
            f"{' mitraCd ' + data.mitra_cd if data.mitra_cd else ''} and amt {data.amount}"
        )


def checkout_register(
    *, merchant: Merchant, data: reg.RegistrationData, link: PaymentLink | None = None
) -> Transaction:
    """Register an order for the hosted page (NICEPAY redirect API, or a payment link).

    Args: data.pay_method 00 (the shopper chooses), 05 or 06 (that kind; data.mitra_cd narrows to
    one partner); amounts in whole rupiah. Returns the first attempt (its tXid is the merchant's).
    An identical replay returns the same attempt. Raises InvalidField, NoMethodFits (no enabled
    partner fits the amount and payMethod) and DuplicateReference (referenceNo open or paid)."""
    if data.pay_method == "00":
        data = replace(data, mitra_cd="")
    _check(merchant, data)
    if (found := reg.existing_registration(merchant, data)) is not None:
        return found
    now = timezone.now()
    expires_at = data.pay_valid_until or now + timedelta(seconds=settings.CHECKOUT_EXPIRY_SECONDS)
    if expires_at <= now:
        raise InvalidField("payValidDt", "payValidDt/payValidTm is already in the past", result_cd="9031")
    try:
        with transaction.atomic():
            checkout = Checkout.objects.create(
                merchant=merchant,
                link=link,
                reference_no=data.reference_no,
                pay_method=data.pay_method,
                mitra_cd=data.mitra_cd,
                order=_order_of(data),
                expires_at=expires_at,
            )
            return _new_attempt(checkout, fingerprint=data.fingerprint)
    except IntegrityError:
        if (found := reg.existing_registration(merchant, data)) is not None:  # the same request raced
            return found
        raise DuplicateReference(f"referenceNo {data.reference_no} has already been used")


def _new_attempt(checkout: Checkout, *, fingerprint: str = "") -> Transaction:
    """Inside a DB transaction. A Transaction from the checkout's order, no method chosen yet."""
    order = checkout.order
    cart = order.get("cart_raw") or ""
    txn = Transaction.objects.create(
        txid=reg.new_txid(checkout.merchant.imid, checkout.pay_method),
        merchant=checkout.merchant,
        checkout=checkout,
        reference_no=checkout.reference_no,
        pay_method=checkout.pay_method,
        mitra_cd=checkout.mitra_cd,
        currency=order["currency"],
        amount=order["amount"],
        vat=order.get("vat", 0),
        fee=order.get("fee", 0),
        notax_amount=order.get("notax_amount", 0),
        goods_name=order["goods_name"],
        description=order.get("description", ""),
        cart_data=json.loads(cart) if cart else {},
        sellers=json.loads(order["sellers_raw"]) if order.get("sellers_raw") else None,
        instalment_type=order.get("instalment_type", ""),
        instalment_months=order.get("instalment_months", ""),
        user_ip=order.get("user_ip", ""),
        db_process_url=order["db_process_url"],
        callback_url=order.get("callback_url", ""),
        expires_at=checkout.expires_at,
        request_fingerprint=fingerprint or f"attempt:{checkout.pk}",
        **order.get("billing", {}),
        **order.get("delivery", {}),
    )
    TransactionEvent.objects.create(
        transaction=txn,
        kind=TransactionEvent.Kind.REGISTERED,
        to_status=txn.status,
        source="merchant" if fingerprint else "customer",
        idempotency_key="registered",
        payload={"checkout": checkout.pk},
    )
    return txn


# --- the shopper's choice ------------------------------------------------------------------------


def _require_choosable(txn: Transaction) -> Checkout:
    checkout = txn.checkout
    if checkout is None:
        raise NotAllowed("This payment was not registered for the hosted page")
    if not txn.status_enum.is_open:
        raise CheckoutClosed(f"This payment attempt is already {txn.status_enum.word}")
    if txn.payment_started_at or txn.partner_data.get("action"):
        raise NotAllowed("A payment method was already chosen for this attempt")
    if checkout.expires_at <= timezone.now():
        raise CheckoutClosed("This checkout has expired", result_cd="9031", http_status=410)
    return checkout


def _default_cart(txn: Transaction) -> dict:
    item = {
        "goods_id": "1",
        "goods_name": txn.goods_name,
        "goods_detail": txn.description or txn.goods_name,
        "goods_amt": str(txn.amount),
        "goods_quantity": "1",
    }
    return {"count": "1", "item": [item]}


def _merchant_seller(txn: Transaction) -> list[dict]:
    """Pay-later partners that list sellers get the merchant itself when the merchant sent none."""
    merchant = txn.merchant
    return [
        {
            "sellersId": merchant.imid,
            "sellersNm": merchant.name,
            "sellersEmail": "",
            "sellersUrl": settings.PUBLIC_BASE_URL,
            "sellersAddress": {"sellerNm": merchant.name, "sellerCountry": "Indonesia"},
        }
    ]


def delivery_missing(txn: Transaction) -> bool:
    """Pay-later needs the delivery address; True when the merchant sent none."""
    return not all(getattr(txn, name) for name in reg.DELIVERY_FIELDS)


def _apply_choice(txn: Transaction, choice: MethodChoice) -> Transaction:
    """Checks the choice against the partner's rules and stores it on the attempt."""
    with transaction.atomic():
        txn = (
            Transaction.objects.select_for_update(of=("self",))
            .select_related("merchant", "checkout")
            .get(pk=txn.pk)
        )
        checkout = _require_choosable(txn)
        methods = {
            m.mitra_cd: m
            for m in checkout_methods(
                merchant=txn.merchant,
                amount=txn.amount,
                pay_method=checkout.pay_method,
                mitra_cd=checkout.mitra_cd,
            )
        }
        method = methods.get(choice.mitra_cd)
        if method is None:
            raise NotAllowed("This payment method is not available for this order")
        adapter = registry.get_adapter(method.mitra_cd)
        txn.pay_method, txn.mitra_cd = method.pay_method, method.mitra_cd
        if choice.phone:
            txn.billing_phone = choice.phone
        if not txn.cart_data:
            txn.cart_data = _default_cart(txn)
        if method.kind == PartnerKind.PAYLOAN:
            txn.instalment_type = txn.instalment_type or "1"
            txn.instalment_months = choice.tenor or txn.instalment_months or "1"
            for name, value in choice.delivery.items():
                if name in reg.DELIVERY_FIELDS and value:
                    setattr(txn, name, value)
            if not txn.sellers:
                txn.sellers = _merchant_seller(txn)
                for item in txn.cart_data.get("item", []):
                    item.setdefault("goods_sellers_id", txn.merchant.imid)
                    item.setdefault("goods_sellers_name", txn.merchant.name)
        reg.check_partner_rules(reg.registration_data_of(txn), adapter)
        partner_expiry = timezone.now() + timedelta(seconds=adapter.default_expiry_seconds)
        txn.expires_at = min(checkout.expires_at, partner_expiry)
        txn.save()
        TransactionEvent.objects.create(
            transaction=txn,
            kind=TransactionEvent.Kind.NOTE,
            source="customer",
            idempotency_key="method-chosen",
            payload={"mitraCd": method.mitra_cd, "instmntMon": txn.instalment_months},
        )
    return txn


def checkout_choose_method(*, txn: Transaction, choice: MethodChoice, account_token: str = "") -> NextAction:
    """The shopper's method: stored on the attempt, then the partner is asked for the next step.

    Returns the partner's NextAction (Redirect, Deeplink or PushToApp). Raises NotAllowed (method
    not offered, attempt already started or closed), InvalidField (the partner's rules: amount,
    tenor, delivery), PartnerFailure (partner unreachable: the shopper may retry)."""
    txn = _apply_choice(txn, choice)
    reg.register_at_partner(txn)
    return transaction_start_payment(txn=txn, account_token=account_token)


def checkout_abandon_attempt(*, txn: Transaction) -> Transaction:
    """The shopper leaves an attempt (cancel, change the OVO number, another method) before it
    is paid. It ends as failed; a partner success arriving later is flagged for review, never
    applied silently (transaction_apply_status)."""
    if not txn.status_enum.is_open:
        return txn
    return transaction_apply_status(
        transaction_id=txn.pk,
        to=Status.FAILED,
        source="customer",
        idempotency_key="abandoned",
        payload={"reason": "abandoned"},
    )


def checkout_new_attempt(*, txn: Transaction) -> Transaction:
    """ "Try another method": a new attempt on the same order, after this one ended unpaid.

    Idempotent: a second click returns the attempt the first one made. Raises CheckoutClosed when
    the checkout expired or was paid, NotAllowed while an attempt is still open."""
    with transaction.atomic():
        checkout = Checkout.objects.select_for_update().select_related("merchant").get(pk=txn.checkout_id)
        latest = checkout_latest_attempt(checkout=checkout)
        if latest.pk != txn.pk:
            return latest
        if latest.status_enum.is_open:
            raise NotAllowed("This payment attempt is still open")
        if latest.paid_at is not None:
            raise CheckoutClosed("This order is already paid")
        if checkout.expires_at <= timezone.now():
            raise CheckoutClosed("This checkout has expired", result_cd="9031", http_status=410)
        try:
            with transaction.atomic():
                return _new_attempt(checkout)
        except IntegrityError:
            raise DuplicateReference(f"referenceNo {checkout.reference_no} has an open or paid payment")


# --- AstraPay: pay from a linked account, linking it first when needed ----------------------------


def _shopper_link(txn: Transaction) -> AccountLink | None:
    return (
        AccountLink.objects.filter(
            merchant=txn.merchant,
            mitra_cd=linking.MITRA,
            billing_phone=txn.billing_phone,
            state=AccountLink.State.LINKED,
        )
        .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=timezone.now()))
        .order_by("-linked_at")
        .first()
    )


def checkout_pay_linked(*, txn: Transaction, choice: MethodChoice, finish_url: str) -> NextAction | str:
    """A partner that pays only from a linked account (AstraPay). With the shopper's account
    linked to this merchant already (same phone): the NextAction of the payment. Otherwise the
    URL of the partner's linking page (a str); the partner sends the shopper back to finish_url,
    where checkout_pay_linked is called again."""
    link = _shopper_link(txn)
    if link is not None:
        return checkout_choose_method(
            txn=txn, choice=choice, account_token=key_store.decrypt(link.token_encrypted)
        )
    _require_choosable(txn)
    _, url = linking.account_link_start(
        merchant=txn.merchant,
        data=linking.LinkEnableData(
            reference_no=f"LNK{txn.txid}",
            billing_name=txn.billing_name,
            billing_phone=txn.billing_phone,
            billing_email=txn.billing_email,
            db_process_url=txn.db_process_url,
            callback_url=finish_url,
        ),
    )
    return url
