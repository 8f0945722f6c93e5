"""The PartnerAdapter contract. Adapters translate and do HTTP; they hold no ORM code."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from .errors import CancelNotAllowed, NotSupported, PartnerUnavailable
from .http import HttpClient
from .redaction import redact_body, redact_headers
from .types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    LinkRequest,
    LinkResult,
    LinkToken,
    NextAction,
    OrderInfo,
    PartnerConfig,
    PartnerStatus,
    PaymentRequest,
    RefundState,
    RegisterResult,
    StatusResult,
)

if TYPE_CHECKING:
    from providers.registry import Partner  # the catalogue imports the adapters, by path


class PartnerAdapter(abc.ABC):
    """One partner's protocol. The partner's facts and rules (limits, tenors, capabilities,
    cancel rules) are its entry in the catalogue, providers/registry.py (`self.partner`)."""

    mitra_cd: ClassVar[str]
    slug: ClassVar[str]  # package name, also the sandbox path: /sandbox/<slug>/
    env_prefix: ClassVar[str]  # <PREFIX>_BASE_URL and <PREFIX>_<CREDENTIAL> settings
    # Credentials with the built-in sandbox's values; each overridable from the environment.
    default_credentials: ClassVar[Mapping[str, str]] = {}
    # Largest server notification body accepted, in bytes: a few times the partner's largest real
    # payload. 0 = the partner sends none (the gateway refuses every post for it unread).
    max_notification_bytes: ClassVar[int] = 0
    # Notification headers and body fields that are secrets or replayable credentials: stored and
    # shown only as "[redacted]" (Authorization, Proxy-Authorization and Cookie always are).
    secret_notification_headers: ClassVar[frozenset[str]] = frozenset()
    secret_notification_fields: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, config: PartnerConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http

    @property
    def partner(self) -> Partner:
        """This partner's catalogue entry."""
        from providers import registry

        return registry.partner(self.mitra_cd)

    def cred(self, name: str) -> str:
        return self.config.credentials[name]

    def url(self, path: str) -> str:
        return f"{self.config.base_url}{path}"

    def now(self) -> datetime:
        """The clock a notification's timestamp is checked against."""
        return datetime.now(UTC)

    @classmethod
    def redact_notification(cls, *, headers: Mapping[str, str], body: str) -> tuple[dict[str, str], str]:
        """The notification as it may be stored and shown: secrets replaced. Pure."""
        return (
            redact_headers(headers, cls.secret_notification_headers),
            redact_body(body, cls.secret_notification_fields),
        )

    # --- payment lifecycle ---------------------------------------------------------------
    def register(self, order: OrderInfo) -> RegisterResult:
        raise NotSupported("this partner creates no order at registration")

    @abc.abstractmethod
    def start_payment(self, req: PaymentRequest) -> NextAction: ...

    def complete_push(self, req: PaymentRequest) -> StatusResult:
        """For PushToApp partners (OVO): the blocking partner call, run by a Celery task after
        start_payment answered PushToApp without I/O. Settles the push: on a timeout it sends the
        reversal the partner requires and answers EXPIRED or FAILED. Raises PartnerUnavailable only
        when the outcome is unknown (polling settles it)."""
        raise NotSupported("this partner does not push to an app")

    def push_outcome(self, req: PaymentRequest) -> StatusResult | None:
        """For PushToApp partners: what became of a push whose call we did not see through (the
        worker died). None when the partner never received it (pushing now is safe); otherwise its
        status (PENDING: the push still waits on the customer). Raises PartnerUnavailable when
        the partner cannot say."""
        raise NotSupported("this partner does not push to an app")

    @abc.abstractmethod
    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult: ...

    @abc.abstractmethod
    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        """Verify and normalise a partner notification. Pure: no I/O.
        Raises InvalidSignature / InvalidPayload."""

    def confirm_callback(self, event: CallbackEvent) -> StatusResult:
        """Ask the partner to confirm a notification (Kredivo, Indodana)."""
        raise NotSupported("this partner's notifications need no confirmation")

    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        """Raise CancelNotAllowed when the partner's rules refuse this cancel. Pure, no I/O."""
        if not req.is_full and not self.partner.cancel.partial:
            raise CancelNotAllowed("partial cancel is not supported by this partner")

    @abc.abstractmethod
    def cancel(self, req: CancelRequest) -> CancelResult: ...

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """What the partner did with the cancel `req` whose answer we never got (a timeout, a web
        process that died during the call): req.cancel_id is the reference cancel() sent, and
        req.already_cancelled what was cancelled before it (whole rupiah). Returns DONE, NOT_DONE
        or PENDING; never guesses. Raises PartnerUnavailable when the partner cannot say now.
        Every partner that takes cancels implements it, in its own protocol."""
        raise NotSupported("this partner cannot be asked about a cancel")

    def void_status(self, req: CancelRequest) -> CancelStatus:
        """For a cancel of the whole payment that the partner keys by the payment itself (a void,
        a reversal): the payment's own status tells. Voided or refunded: DONE; still paid:
        NOT_DONE; anything else cannot be told (PartnerUnavailable: ask again later)."""
        payment = self.fetch_status(txid=req.txid, partner_ref=req.partner_ref, amount=req.total_amount)
        if payment.status in (PartnerStatus.CANCELLED, PartnerStatus.REFUNDED):
            return CancelStatus(
                RefundState.DONE, partner_cancel_ref=payment.partner_ref, kind="void", raw=payment.raw
            )
        if payment.status is PartnerStatus.SUCCEEDED:
            return CancelStatus(RefundState.NOT_DONE, kind="void", raw=payment.raw)
        raise PartnerUnavailable(
            f"the partner reports the payment {payment.raw_status}: its void cannot be told"
        )

    def confirm_receipt(self, *, txid: str, partner_ref: str) -> StatusResult:
        raise NotSupported("receipt confirmation is Akulaku only")

    # --- account linking (AstraPay) --------------------------------------------------------
    def link_start(self, req: LinkRequest) -> LinkResult:
        raise NotSupported("account linking is not offered by this partner")

    def link_finish(self, *, auth_code: str) -> LinkToken:
        raise NotSupported("account linking is not offered by this partner")

    def link_revoke(self, *, token: str) -> None:
        raise NotSupported("account linking is not offered by this partner")
