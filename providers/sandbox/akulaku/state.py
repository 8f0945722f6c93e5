"""The simulated Akulaku Open Pay's orders (providers.md §3, stand-ins of §9): what it issued to the
merchant, its signature, its vocabulary, and its callbacks.

sign(content) = b64url(SHA-512(appId + secretKey + content)), no padding. The server callback is a
form `refNo, status, sign`, sent to the URL configured at onboarding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from providers.sandbox import triggers
from providers.sandbox.core import gateway_url, send, with_query
from providers.sandbox.models import SandboxOrder
from providers.sandbox.paylater import PayLaterOrders

SLUG = "akulaku"
# The credentials this sandbox issued to the gateway.
APP_ID = "AKLSBX7001"
SECRET_KEY = "sbx-akulaku-2f9c41d7e6b84a0c"
PHONE, PASSWORD, OTP = "081234567890", "akulaku123", "123456"
MIN_AMOUNT, MAX_AMOUNT = 300, 25_000_000
DEFAULT_EXPIRY = timedelta(hours=24)
CALLBACK_PATH = "/partners/AKLP/notify"  # the merchant's callback URL, configured at onboarding
SIGN_FIELDS = (
    "refNo",
    "totalPrice",
    "userAccount",
    "receiverName",
    "receiverPhone",
    "province",
    "city",
    "street",
    "postcode",
    "callbackPageUrl",
    "details",
    "virtualDetails",
    "extraInfo",
)
PENDING, FAILED, REFUNDED, CANCELLED, SUCCESS, RECEIPTED = "1", "90", "91", "92", "100", "101"
PAID = (SUCCESS, RECEIPTED)
TEST_CREDENTIALS = {"Phone": PHONE, "Password": PASSWORD, "OTP": OTP}


def sign(content: str, secret: str = SECRET_KEY) -> str:
    digest = hashlib.sha512(f"{APP_ID}{secret}{content}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed(given: str, content: str) -> bool:
    return hmac.compare_digest((given or "").encode(), sign(content).encode())


def callback(order: SandboxOrder) -> list[int]:
    """The server callback (§3.4) to the URL configured at onboarding, honouring the triggers."""
    copies = triggers.notification_copies(order.amount)
    if not copies:
        return []
    secret = secrets.token_hex(12) if triggers.forge_signature(order.amount) else SECRET_KEY
    form = {
        "refNo": order.merchant_ref,
        "status": order.state,
        "sign": sign(order.merchant_ref + order.state, secret),
    }
    return send(gateway_url(CALLBACK_PATH), body=form, form=True, copies=copies)


def set_state(order: SandboxOrder, status: str, *, notify: bool = True) -> list[int]:
    order.state = status
    order.save(update_fields=["state", "data", "updated_at"])
    return callback(order) if notify else []


class AkulakuOrders(PayLaterOrders):
    slug = SLUG
    # Akulaku has no "expired": an unpaid order lapses to cancelled.
    open_state, lapsed_state, paid_state = PENDING, CANCELLED, SUCCESS
    tenor_key = "period"
    outcomes = {
        triggers.DECLINE: FAILED,
        triggers.EXPIRE: CANCELLED,
        triggers.CANCEL: CANCELLED,
        triggers.FRAUD: FAILED,  # Akulaku has no separate fraud status: its risk check refuses
        triggers.PENDING: PENDING,
    }

    def closing_data(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        return {"paid_at": int(timezone.now().timestamp())} if order.state == SUCCESS else {}

    def notify(self, order: SandboxOrder) -> list[int]:
        return callback(order)

    def back_url(self, order: SandboxOrder) -> str:
        params = {
            "appId": APP_ID,
            "refNo": order.merchant_ref,
            "sign": sign(order.merchant_ref),
            "status": order.state,
        }
        return with_query(order.data["callbackPageUrl"], params)


ORDERS = AkulakuOrders()


def status_data(order: SandboxOrder) -> dict[str, Any]:
    """The order as status.do answers it. [STAND-IN] Akulaku publishes no refund query: the answer
    also carries `refundDetails` (each cancelled SKU and quantity, and `wholeOrder` for
    payment/cancel.do), so a merchant whose cancel got no answer can tell what Akulaku did."""
    data: dict[str, Any] = {
        "refNo": order.merchant_ref,
        "orderId": order.ref,
        "status": int(ORDERS.state(order)),
        "totalPrice": order.amount,
    }
    if order.data.get("period"):
        period = int(order.data["period"])
        data.update(periods=period, monthlyInstallmentPayment=-(-order.amount // period))
    lines = order.data.get("lines", {})
    details = [
        {"skuId": sku, "skuQty": qty, "refundAmount": qty * lines[sku]["price"]}
        for sku, qty in order.data.get("cancelled", {}).items()
        if sku in lines
    ]
    if order.state == REFUNDED and not details:
        details = [{"wholeOrder": True, "refundAmount": order.amount}]
    data["refundDetails"] = details
    return data
