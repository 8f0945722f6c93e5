"""Registration: validate the order against the partner's rules and store it."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments.exceptions import ApplicationError, DuplicateReference, InvalidField, PartnerFailure
from payments.models import Merchant, Transaction, TransactionEvent
from payments.nicepay.wire import JAKARTA
from payments.status import HOLDS_REFERENCE, Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import PartnerKind

from .cart import check_sellers, check_total, parse_cart, parse_sellers
from .partner_io import order_info

KIND_BY_PAY_METHOD = {"05": PartnerKind.EWALLET, "06": PartnerKind.PAYLOAN}
LINK_ONLY = frozenset({"ASTR"})  # AstraPay pays only against a linked account (linkInitiate)
DELIVERY_FIELDS = (
    "delivery_name",
    "delivery_phone",
    "delivery_address",
    "delivery_city",
    "delivery_state",
    "delivery_post_code",
    "delivery_country",
)
DELIVERY_WIRE = dict(
    zip(
        DELIVERY_FIELDS,
        (
            "deliveryNm",
            "deliveryPhone",
            "deliveryAddr",
            "deliveryCity",
            "deliveryState",
            "deliveryPostCd",
            "deliveryCountry",
        ),
        strict=True,
    )
)


@dataclass(frozen=True)
class RegistrationData:
    pay_method: str
    mitra_cd: str
    currency: str
    amount: int
    reference_no: str
    goods_name: str
    billing: dict[str, str]  # Transaction field name -> value
    cart_raw: str
    db_process_url: str
    user_ip: str
    fingerprint: str  # hash of the whole request, timeStamp and merchantToken included: replays
    description: str = ""
    callback_url: str = ""
    delivery: dict[str, str] = field(default_factory=dict)
    sellers_raw: str = ""
    instalment_type: str = ""
    instalment_months: str = ""
    pay_valid_until: datetime | None = None
    vat: int = 0
    fee: int = 0
    notax_amount: int = 0


def fingerprint(data: dict[str, Any]) -> str:
    """Identifies one request: the exact same request again (same timeStamp and merchantToken
    included) is a replay and gets the first answer; a retry with a new timeStamp is a new request."""
    stable = {k: str(v) for k, v in data.items()}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()


def new_txid(imid: str, pay_method: str) -> str:
    """NICEPAY's 30-char shape: iMid(10) + payMethod(2) + yyyyMMddHHmmss + 4 digits."""
    stamp = timezone.now().astimezone(JAKARTA).strftime("%Y%m%d%H%M%S")
    return f"{imid[:10]:<10}{pay_method}{stamp}{secrets.randbelow(10_000):04d}".replace(" ", "0")


def _adapter_for(data: RegistrationData, *, via_link: bool):
    if data.pay_method not in KIND_BY_PAY_METHOD:
        raise InvalidField("payMethod", "payMethod must be 05 (E-Wallet) or 06 (Payloan)", result_cd="9012")
    if data.mitra_cd not in registry.known_mitra_codes():
        raise InvalidField("mitraCd", f"mitraCd {data.mitra_cd!r} is not available", result_cd="9012")
    adapter = registry.get_adapter(data.mitra_cd)
    if adapter.kind != KIND_BY_PAY_METHOD[data.pay_method]:
        raise InvalidField(
            "mitraCd",
            f"mitraCd {data.mitra_cd} is not valid for payMethod {data.pay_method}",
            result_cd="9012",
        )
    if data.mitra_cd in LINK_ONLY and not via_link:
        raise InvalidField(
            "mitraCd", "AstraPay payments are made through linkInitiate on a linked account", result_cd="9012"
        )
    return adapter


def _check_rules(data: RegistrationData, adapter) -> tuple:  # noqa: ANN001
    if data.currency != "IDR":
        raise InvalidField("currency", "currency must be IDR")
    if data.amount < adapter.min_amount:
        raise InvalidField(
            "amt", f"amt {data.amount} is below this partner's minimum of {adapter.min_amount}"
        )
    if data.amount > adapter.max_amount:
        raise InvalidField(
            "amt", f"amt {data.amount} is above this partner's maximum of {adapter.max_amount}"
        )
    _, items = parse_cart(data.cart_raw)
    check_total(items, data.amount)
    sellers_json = None
    if adapter.kind == PartnerKind.PAYLOAN:
        if data.instalment_type not in ("1", "2"):
            raise InvalidField(
                "instmntType",
                "instmntType must be 1 (customer charge) or 2 (merchant charge)",
                result_cd="9029",
            )
        if adapter.allowed_tenors and data.instalment_months.lstrip("0") not in adapter.allowed_tenors:
            allowed = ", ".join(adapter.allowed_tenors)
            raise InvalidField(
                "instmntMon",
                f"instmntMon {data.instalment_months or '(empty)'} is not available; allowed: {allowed}",
                result_cd="9029",
            )
        for name, wire_name in DELIVERY_WIRE.items():
            if not data.delivery.get(name):
                raise InvalidField(wire_name, f"{wire_name} is required for Payloan")
    if data.sellers_raw or data.mitra_cd == "AKLP":
        if not data.sellers_raw:
            raise InvalidField("sellers", "sellers is required for Akulaku")
        sellers_json, sellers = parse_sellers(data.sellers_raw)
        if data.mitra_cd == "AKLP":
            check_sellers(items, sellers)
    return items, sellers_json


def _existing(merchant: Merchant, data: RegistrationData) -> Transaction | None:
    """The transaction this exact request created before (a replay), None when the referenceNo is
    free, or DuplicateReference naming the transaction that holds it (open or paid)."""
    # One query, so the replay and the holder are read from the same snapshot (a concurrent copy of
    # this request may commit between two queries).
    candidates = list(
        Transaction.objects.filter(merchant=merchant, reference_no=data.reference_no)
        .filter(Q(request_fingerprint=data.fingerprint) | Q(status__in=HOLDS_REFERENCE))
        .order_by("id")
    )
    replayed = next((t for t in candidates if t.request_fingerprint == data.fingerprint), None)
    if replayed is not None:
        return replayed
    holder = next((t for t in candidates if t.status in HOLDS_REFERENCE), None)
    if holder is None:
        return None  # never used, or every earlier attempt ended unpaid: a new transaction
    if holder.status == Status.PAID:
        raise DuplicateReference(
            f"referenceNo {data.reference_no} is already paid by tXid {holder.txid}; "
            "a new order needs a new referenceNo"
        )
    raise DuplicateReference(
        f"referenceNo {data.reference_no} is in use by tXid {holder.txid}, which is still "
        f"{holder.status_enum.word}; register it again only after that payment has ended unpaid"
    )


def transaction_register(
    *, merchant: Merchant, data: RegistrationData, via_link: bool = False
) -> Transaction:
    """Stores a new transaction for the order, or answers a replay with the one it created.

    A referenceNo is reused only when all its earlier transactions ended unpaid (failed, expired,
    voided, refunded); the partial unique constraint txn_merchant_reference_live_uniq enforces it
    under concurrency. Raises InvalidField, DuplicateReference (held by an open or paid tXid),
    PartnerFailure. Amounts are whole rupiah."""
    adapter = _adapter_for(data, via_link=via_link)
    _, sellers_json = _check_rules(data, adapter)
    if (found := _existing(merchant, data)) is not None:
        return found
    now = timezone.now()
    expires_at = data.pay_valid_until or now + timedelta(seconds=adapter.default_expiry_seconds)
    if expires_at <= now:
        raise InvalidField("payValidDt", "payValidDt/payValidTm is already in the past", result_cd="9031")
    txn = Transaction(
        txid=new_txid(merchant.imid, data.pay_method),
        merchant=merchant,
        reference_no=data.reference_no,
        pay_method=data.pay_method,
        mitra_cd=data.mitra_cd,
        currency=data.currency,
        amount=data.amount,
        vat=data.vat,
        fee=data.fee,
        notax_amount=data.notax_amount,
        goods_name=data.goods_name,
        description=data.description,
        cart_data=json.loads(data.cart_raw),
        sellers=sellers_json,
        instalment_type=data.instalment_type,
        instalment_months=data.instalment_months,
        user_ip=data.user_ip,
        db_process_url=data.db_process_url,
        callback_url=data.callback_url,
        expires_at=expires_at,
        request_fingerprint=data.fingerprint,
        **data.billing,
        **data.delivery,
    )
    if adapter.registers_at_partner:
        # Akulaku creates its order now; outside any DB transaction. Nothing is stored on failure.
        try:
            result = adapter.register(order_info(txn))
        except PartnerUnavailable:
            raise PartnerFailure(
                "Registration failed: the partner did not answer, please retry", result_cd="9001"
            )
        except PartnerDeclined as exc:
            raise ApplicationError(
                f"Registration failed: partner refused the order ({exc.message})",
                result_cd="9001",
                http_status=422,
            )
        except PartnerError as exc:
            raise PartnerFailure(f"Registration failed: {exc.message}", result_cd="9001")
        txn.partner_ref = result.partner_ref
        txn.partner_data = {"order": dict(result.data)}
    try:
        with transaction.atomic():
            txn.save()
            TransactionEvent.objects.create(
                transaction=txn,
                kind=TransactionEvent.Kind.REGISTERED,
                to_status=txn.status,
                source="merchant",
                idempotency_key="registered",
            )
    except IntegrityError:
        if (found := _existing(merchant, data)) is not None:  # lost a race: the same request won
            return found  # (a different request for the same referenceNo raised 9009 above)
        raise ApplicationError("Transaction number generation error, please retry", result_cd="9006")
    return txn
