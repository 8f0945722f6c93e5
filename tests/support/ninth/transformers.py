"""The fake partner's statuses and signature: pure."""

from __future__ import annotations

import hashlib
import hmac

from providers.base.errors import UnknownStatus
from providers.base.types import PartnerStatus

STATUS_MAP: dict[str, PartnerStatus] = {
    "WAITING": PartnerStatus.PENDING,
    "DONE": PartnerStatus.SUCCEEDED,
    "REFUSED": PartnerStatus.FAILED,
    "LAPSED": PartnerStatus.EXPIRED,
}


def map_status(raw: str) -> PartnerStatus:
    if raw not in STATUS_MAP:
        raise UnknownStatus(f"unknown status {raw!r}")
    return STATUS_MAP[raw]


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
