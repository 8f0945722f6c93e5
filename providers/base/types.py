"""Neutral, frozen DTOs passed between the gateway and the partner adapters.

Money is whole rupiah (int). Each adapter converts to its partner's format at the edge.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class PartnerKind(enum.StrEnum):
    EWALLET = "ewallet"
    PAYLOAN = "payloan"


class PartnerStatus(enum.StrEnum):
    """The one neutral status vocabulary every partner status map targets."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class PartnerConfig:
    mitra_cd: str
    base_url: str  # partner API root, no trailing slash
    credentials: Mapping[str, str]
    timeout: float = 15.0
    # Seconds a notification's signed timestamp may be away from now (providers/base/freshness.py).
    notification_window: int = 15 * 60
    # Jakarta hours in which the partner takes no cancel; None: the hours the partner publishes
    # (the adapter's own). Set from <PREFIX>_CANCEL_CLOSED_HOURS when the partner moves them.
    cancel_closed_hours: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Party:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    post_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class CartItem:
    id: str
    name: str
    unit_price: int
    quantity: int
    detail: str = ""
    type: str = ""
    url: str = ""
    img_url: str = ""
    seller_id: str = ""
    seller_name: str = ""


@dataclass(frozen=True)
class Seller:
    id: str
    name: str
    email: str = ""
    url: str = ""
    address: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderInfo:
    """Everything a partner may need about one payment. `txid` is our id; we send it to
    partners as their merchant order reference, so every callback can be tied back."""

    txid: str
    reference_no: str
    amount: int
    goods_name: str
    billing: Party
    expires_at: datetime
    notify_url: str  # gateway endpoint for the partner's server notification
    return_url: str  # gateway endpoint the partner sends the browser back to
    cancel_url: str  # gateway endpoint for "customer cancelled" returns
    description: str = ""
    delivery: Party | None = None
    items: tuple[CartItem, ...] = ()
    sellers: tuple[Seller, ...] = ()
    instalment_type: str = ""
    instalment_months: str = ""
    user_ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class RegisterResult:
    """Answer of a partner that creates its order at registration (Akulaku)."""

    partner_ref: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentRequest:
    order: OrderInfo
    partner_ref: str = ""  # from register(), if the partner created the order then
    account_token: str = ""  # linked-account token (AstraPay)


@dataclass(frozen=True)
class Redirect:
    url: str
    partner_ref: str = ""


@dataclass(frozen=True)
class Deeplink:
    url_http: str
    url_app: str = ""
    partner_ref: str = ""


@dataclass(frozen=True)
class PushToApp:
    """No page: the partner pushed the request to the customer's app (OVO)."""

    phone: str
    expires_at: datetime
    partner_ref: str = ""


NextAction = Redirect | Deeplink | PushToApp


@dataclass(frozen=True)
class StatusResult:
    status: PartnerStatus
    raw_status: str
    partner_ref: str = ""
    amount: int | None = None
    paid_at: datetime | None = None
    message: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackEvent:
    """A verified, normalised partner notification.

    `idempotency_key` is stable for the same partner event, so a repeated delivery is a no-op.
    `needs_confirmation` means the push itself must not be trusted (Kredivo, Indodana): the
    gateway calls `confirm_callback` and applies only that answer.
    `replay_key`, when set, must be seen only once (Indodana's nonce with the body): the gateway
    records it and refuses a second notification that carries it.
    """

    txid: str
    status: PartnerStatus
    raw_status: str
    idempotency_key: str
    partner_ref: str = ""
    amount: int | None = None
    needs_confirmation: bool = False
    kind: str = "payment"  # "payment" or "link" (AstraPay account binding)
    raw: Mapping[str, Any] = field(default_factory=dict)
    reply: tuple[int, str, str] = (200, "application/json", '{"status":"OK"}')
    replay_key: str = ""


@dataclass(frozen=True)
class CancelRequest:
    txid: str
    partner_ref: str
    amount: int  # amount to cancel now
    total_amount: int  # original amount
    already_cancelled: int
    paid_at: datetime | None
    cancel_id: str  # idempotency key towards the partner
    reason: str = ""
    items: tuple[CartItem, ...] = ()

    @property
    def is_full(self) -> bool:
        return self.already_cancelled == 0 and self.amount == self.total_amount


@dataclass(frozen=True)
class CancelResult:
    partner_cancel_ref: str = ""
    kind: str = "void"  # "void" (before settlement) or "refund"
    raw: Mapping[str, Any] = field(default_factory=dict)


class RefundState(enum.StrEnum):
    """What a partner says about one cancel or refund we asked for."""

    DONE = "done"  # the partner made it
    NOT_DONE = "not_done"  # the partner has no such cancel: nothing was refunded
    PENDING = "pending"  # the partner has it and is still processing it


@dataclass(frozen=True)
class CancelStatus:
    """A partner's answer to "what became of this cancel?" (the cancel's outcome was lost)."""

    state: RefundState
    partner_cancel_ref: str = ""
    kind: str = "refund"  # as CancelResult.kind, when DONE
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkRequest:
    """AstraPay account binding."""

    link_id: str
    phone: str
    name: str
    email: str
    external_uid: str
    finish_url: str
    notify_url: str


@dataclass(frozen=True)
class LinkResult:
    redirect_url: str
    partner_ref: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkToken:
    token: str
    expires_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
