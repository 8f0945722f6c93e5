"""Builders shared by the DANA tests."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base.types import CancelRequest, OrderInfo, Party, PaymentRequest

FIXTURES = Path(__file__).parent / "fixtures"
NOTIFY_PATH = "/partners/DANA/notify"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def new_txid() -> str:
    return f"IONPAYTEST05{datetime.now():%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"


def payment(amount: int = 25_000, *, base: str = "http://gw.test", hours: float = 24) -> PaymentRequest:
    txid = new_txid()
    return PaymentRequest(
        OrderInfo(
            txid=txid,
            reference_no=f"ORD{txid[-8:]}",
            amount=amount,
            goods_name="Kopi susu",
            billing=Party(name="Budi", phone="081234567890", email="budi@example.com"),
            expires_at=datetime.now(UTC) + timedelta(hours=hours),
            notify_url=f"{base}/partners/DANA/notify",
            return_url=f"{base}/pay/{txid}/return",
            cancel_url=f"{base}/pay/{txid}/cancel",
        )
    )


def cancel_request(
    txid: str,
    partner_ref: str = "",
    *,
    amount: int = 25_000,
    total: int = 25_000,
    paid_at: datetime | None = None,
    already: int = 0,
) -> CancelRequest:
    return CancelRequest(
        txid=txid,
        partner_ref=partner_ref,
        amount=amount,
        total_amount=total,
        already_cancelled=already,
        paid_at=paid_at,
        cancel_id=f"C{secrets.token_hex(6)}",
    )
