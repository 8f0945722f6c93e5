"""Hosted checkout: an order registered through the redirect API or a payment link, paid on our
page. Each payment attempt is a normal Transaction of the checkout; the first one carries the tXid
the merchant was given. After an attempt ends unpaid the shopper may start another one on the same
order while the checkout is open: one open or paid attempt per referenceNo, enforced by the lock
on the checkout and by the database's partial unique constraint."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments import exceptions as err
from payments import secrets as key_store
from payments.models import AccountLink, Checkout, Merchant, PaymentLink, Transaction, TransactionEvent
from payments.selectors.checkout import METHOD_CHOSEN, checkout_latest_attempt, checkout_methods
from payments.status import Status
from providers import registry
from providers.base.types import CartItem, NextAction, Seller

from . import linking
from . import registration as reg
from .payment import transaction_start_payment
from .rollups import rollup_add, rollup_key, rollup_move
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
    "db_process_url",
    "callback_url",
    "user_ip",
    "instalment_type",
    "instalment_months",
    "vat",
    "notax_amount",
)  # (the request's CC-only `fee` is not kept: Transaction.fee is our MDR, set when paid)


@dataclass(frozen=True)
class MethodChoice:
    """What the shopper chose on the hosted page, with what that partner needs."""

    mitra_cd: str
    phone: str = ""  # a partner that pushes to the shopper's app: the number that gets the push
    tenor: str = ""  # pay-later: instmntMon
    delivery: dict[str, str] = field(default_factory=dict)  # pay-later, when the merchant sent none


# --- registration --------------------------------------------------------------------------------


def _order_of(data: reg.RegistrationData) -> dict:
    """The order as stored on the checkout: each new attempt is made from it."""
    order = {name: getattr(data, name) for name in ORDER_FIELDS}
    items = data.cart()
    if items:
        reg.check_total(items, data.amount)
    order["items"] = [asdict(item) for item in items]
    order["sellers"] = [asdict(seller) for seller in data.sellers()] if data.sellers is not None else None
    return order


def _check(merchant: Merchant, data: reg.RegistrationData) -> dict:
    if data.pay_method not in PAY_METHODS:
        raise err.PayMethodNotOffered(
            f"Pay method {data.pay_method!r} is not offered: use 00 (the shopper chooses), 05 or 06",
            pay_method=data.pay_method,
        )
    reg.check_billing_email(data.billing.get("billing_email", ""))
    if data.mitra_cd and data.mitra_cd not in registry.known_mitra_codes():
        raise err.PartnerNotOffered(mitra_cd=data.mitra_cd)
    if data.currency != "IDR":
        raise err.CurrencyNotSupported(currency=data.currency)
    order = _order_of(data)
    if not checkout_methods(
        merchant=merchant, amount=data.amount, pay_method=data.pay_method, mitra_cd=data.mitra_cd
    ):
        raise err.NoMethodFits(pay_method=f"{data.pay_method} {data.mitra_cd}".strip(), amount=data.amount)
    return order


def checkout_register(
    *, merchant: Merchant, data: reg.RegistrationData, link: PaymentLink | None = None
) -> Transaction:
    """Register an order for the hosted page (NICEPAY redirect API, or a payment link).

    Args: data.pay_method 00 (the shopper chooses), 05 or 06 (that kind; data.mitra_cd narrows to
    one partner); amounts in whole rupiah. Returns the first attempt (its tXid is the merchant's).
    An identical replay returns the same attempt. Raises PayMethodNotOffered, BillingEmailInvalid,
    PartnerNotOffered, CurrencyNotSupported, CartTotalMismatch, NoMethodFits (no enabled partner
    fits the amount and payMethod), ValidUntilInPast, DuplicateReference (the referenceNo is open
    or paid); and what the door's cart and sellers parsers raise."""
    if data.pay_method == "00":
        data = replace(data, mitra_cd="")
    order = _check(merchant, data)
    if (found := reg.existing_registration(merchant, data)) is not None:
        return found
    now = timezone.now()
    expires_at = data.pay_valid_until or now + timedelta(seconds=settings.CHECKOUT_EXPIRY_SECONDS)
    if expires_at <= now:
        raise err.ValidUntilInPast()
    try:
        with transaction.atomic():
            checkout = Checkout.objects.create(
                merchant=merchant,
                link=link,
                reference_no=data.reference_no,
                pay_method=data.pay_method,
                mitra_cd=data.mitra_cd,
                order=order,
                expires_at=expires_at,
            )
            return _new_attempt(checkout, fingerprint=data.fingerprint)
    except IntegrityError:
        if (found := reg.existing_registration(merchant, data)) is not None:  # the same request raced
            return found
        raise reg.duplicate_reference(data.reference_no, reg.reference_holder(merchant, data.reference_no))


def _attempt_source(checkout: Checkout, fingerprint: str) -> str:
    """Who made an attempt: the merchant's request (redirect API), the shopper opening a payment
    link, or the shopper trying another method (no request of its own: no fingerprint)."""
    if not fingerprint:
        return "customer"
    return "payment_link" if checkout.link_id else "merchant"


def _new_attempt(checkout: Checkout, *, fingerprint: str = "") -> Transaction:
    """Inside a DB transaction. A Transaction from the checkout's order, no method chosen yet."""
    order = checkout.order
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
        notax_amount=order.get("notax_amount", 0),
        goods_name=order["goods_name"],
        description=order.get("description", ""),
        cart_data={"items": order.get("items") or []},
        sellers=order.get("sellers"),
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
        source=_attempt_source(checkout, fingerprint),
        idempotency_key="registered",
        payload={"checkout": checkout.pk},
    )
    rollup_add(txn)
    return txn


# --- the shopper's choice ------------------------------------------------------------------------


def _require_choosable(txn: Transaction) -> Checkout:
    checkout = txn.checkout
    if checkout is None:
        raise err.NotAllowed("This payment was not registered for the hosted page")
    if not txn.status_enum.is_open:
        raise err.PaymentNotOpen(word=txn.status_enum.word)
    if txn.payment_started_at or txn.partner_data.get("action"):
        raise err.AttemptStarted()
    if checkout.expires_at <= timezone.now():
        raise err.CheckoutExpired()
    return checkout


def _default_items(txn: Transaction) -> list[dict]:
    """One line for the whole amount, when the merchant sent no cart (payment links)."""
    return [
        asdict(
            CartItem(id="1", name=txn.goods_name, unit_price=txn.amount, quantity=1, detail=txn.description)
        )
    ]


def _merchant_seller(txn: Transaction) -> list[dict]:
    """Pay-later partners that list sellers get the merchant itself when the merchant sent none."""
    merchant = txn.merchant
    seller = Seller(
        id=merchant.imid,
        name=merchant.name,
        url=settings.PUBLIC_BASE_URL,
        address={"sellerNm": merchant.name, "sellerCountry": "Indonesia"},
    )
    return [asdict(seller)]


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
            raise err.MethodNotOffered()
        partner = registry.partner(method.mitra_cd)
        bucket = rollup_key(txn)
        txn.pay_method, txn.mitra_cd = method.pay_method, method.mitra_cd
        if choice.phone:
            txn.billing_phone = choice.phone
        if not txn.cart_data.get("items"):
            txn.cart_data = {"items": _default_items(txn)}
        if partner.is_payloan:
            txn.instalment_type = txn.instalment_type or "1"
            txn.instalment_months = choice.tenor or txn.instalment_months or "1"
            for name, value in choice.delivery.items():
                if name in reg.DELIVERY_FIELDS and value:
                    setattr(txn, name, value)
        if partner.sellers_required and not txn.sellers:  # the merchant sent none: it is the seller
            txn.sellers = _merchant_seller(txn)
            for item in txn.cart_data["items"]:
                item["seller_id"] = item.get("seller_id") or txn.merchant.imid
                item["seller_name"] = item.get("seller_name") or txn.merchant.name
        reg.check_partner_rules(reg.registration_data_of(txn), partner)
        partner_expiry = timezone.now() + timedelta(seconds=partner.expiry_seconds)
        txn.expires_at = min(checkout.expires_at, partner_expiry)
        txn.save()
        TransactionEvent.objects.create(
            transaction=txn,
            kind=TransactionEvent.Kind.NOTE,
            source="customer",
            idempotency_key=METHOD_CHOSEN,
            payload={"partner": method.mitra_cd, "tenor": txn.instalment_months},
        )
        rollup_move(txn, before=bucket)  # counted under the chosen partner from now on
    return txn


def checkout_choose_method(*, txn: Transaction, choice: MethodChoice, account_token: str = "") -> NextAction:
    """The shopper's method: stored on the attempt, then the partner is asked for the next step.

    Returns the partner's NextAction (Redirect, Deeplink or PushToApp). Raises MethodNotOffered,
    AttemptStarted, PaymentNotOpen, CheckoutExpired, the partner's registration rules
    (InvalidInput subclasses: amount, tenor, delivery, sellers), RegistrationPartnerFailure /
    RegistrationDeclined (Akulaku's order), and what starting the payment raises (PartnerFailure:
    the shopper may retry; PaymentDeclined)."""
    txn = _apply_choice(txn, choice)
    reg.register_at_partner(txn)
    return transaction_start_payment(txn=txn, account_token=account_token)


def checkout_abandon_attempt(*, txn: Transaction) -> Transaction:
    """The shopper leaves an attempt (cancel, change the OVO number, another method) before it
    is paid. It ends as failed; money a partner takes for it later is never applied but returned
    to the payer (late_payments.py)."""
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

    Idempotent: a second click returns the attempt the first one made. Raises CheckoutExpired,
    CheckoutPaid, AttemptOpen (this attempt is not over) and DuplicateReference."""
    with transaction.atomic():
        checkout = Checkout.objects.select_for_update().select_related("merchant").get(pk=txn.checkout_id)
        latest = checkout_latest_attempt(checkout=checkout)
        if latest.pk != txn.pk:
            return latest
        if latest.status_enum.is_open:
            raise err.AttemptOpen()
        if latest.paid_at is not None:
            raise err.CheckoutPaid()
        if checkout.expires_at <= timezone.now():
            raise err.CheckoutExpired()
        try:
            with transaction.atomic():
                return _new_attempt(checkout)
        except IntegrityError:
            holder = reg.reference_holder(checkout.merchant, checkout.reference_no)
            raise reg.duplicate_reference(checkout.reference_no, holder)


# --- partners that pay from a linked account (AstraPay): linking it first when needed -------------


def _shopper_link(txn: Transaction, mitra_cd: str) -> AccountLink | None:
    return (
        AccountLink.objects.filter(
            merchant=txn.merchant,
            mitra_cd=mitra_cd,
            billing_phone=txn.billing_phone,
            state=AccountLink.State.LINKED,
        )
        .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=timezone.now()))
        .order_by("-linked_at")
        .first()
    )


def checkout_pay_linked(*, txn: Transaction, choice: MethodChoice, finish_url: str) -> NextAction | str:
    """A partner that pays only from a linked account (needs_linking). With the shopper's account
    linked to this merchant already (same phone): the NextAction of the payment. Otherwise the
    URL of the partner's linking page (a str); the partner sends the shopper back to finish_url,
    where checkout_pay_linked is called again."""
    link = _shopper_link(txn, choice.mitra_cd)
    if link is not None:
        return checkout_choose_method(
            txn=txn, choice=choice, account_token=key_store.decrypt(link.token_encrypted)
        )
    _require_choosable(txn)
    _, url = linking.account_link_start(
        merchant=txn.merchant,
        data=linking.LinkEnableData(
            mitra_cd=choice.mitra_cd,
            reference_no=f"LNK{txn.txid}",
            billing_name=txn.billing_name,
            billing_phone=txn.billing_phone,
            billing_email=txn.billing_email,
            db_process_url=txn.db_process_url,
            callback_url=finish_url,
        ),
    )
    return url
