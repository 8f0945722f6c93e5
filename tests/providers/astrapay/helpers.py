"""Builders shared by the AstraPay tests."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base.types import LinkRequest, OrderInfo, Party

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def new_txid() -> str:
    return f"IONPAYTEST05{datetime.now():%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"


def order(amount: int = 25_000, *, base: str = "http://gw.test") -> OrderInfo:
    txid = new_txid()
    return OrderInfo(
        txid=txid,
        reference_no=f"ORD{txid[-8:]}",
        amount=amount,
        goods_name="Helm",
        billing=Party(name="Sari", phone="081299990000", email="sari@example.com"),
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
        notify_url=f"{base}/partners/ASTR/notify",
        return_url=f"{base}/pay/{txid}/return",
        cancel_url=f"{base}/pay/{txid}/cancel",
    )


def link_request(base: str = "http://gw.test", phone: str = "081299990000") -> LinkRequest:
    mandate = f"IONPAYTEST{secrets.randbelow(10**12):012d}"
    return LinkRequest(
        link_id=mandate,
        phone=phone,
        name="Sari",
        email="sari@example.com",
        external_uid=mandate,
        finish_url=f"{base}/link/{mandate}/finish",
        notify_url=f"{base}/partners/ASTR/notify",
    )
