"""Builders shared by the OVO tests."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base.types import CancelRequest, OrderInfo, Party, PaymentRequest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def new_txid() -> str:
    return f"IONPAYTEST05{datetime.now():%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"


def payment(
    amount: int = 25_000, *, phone: str = "081234567890", base: str = "http://gw.test"
) -> PaymentRequest:
    txid = new_txid()
    return PaymentRequest(
        OrderInfo(
            txid=txid,
            reference_no=f"ORD{txid[-8:]}",
            amount=amount,
            goods_name="Kopi susu",
            billing=Party(name="Budi", phone=phone, email="budi@example.com"),
            expires_at=datetime.now(UTC) + timedelta(seconds=55),
            notify_url=f"{base}/partners/OVOE/notify",
            return_url=f"{base}/pay/{txid}/return",
            cancel_url=f"{base}/pay/{txid}/cancel",
        )
    )


def cancel_request(
    txid: str, *, amount: int = 25_000, total: int = 25_000, paid_at: datetime | None = None, already: int = 0
) -> CancelRequest:
    return CancelRequest(
        txid=txid,
        partner_ref="",
        amount=amount,
        total_amount=total,
        already_cancelled=already,
        paid_at=paid_at,
        cancel_id=f"C{secrets.token_hex(6)}",
    )
