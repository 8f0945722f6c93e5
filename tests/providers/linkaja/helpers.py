"""Builders shared by the LinkAja tests."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base.types import CartItem, OrderInfo, Party

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def new_txid() -> str:
    return f"IONPAYTEST05{datetime.now():%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"


def order(
    amount: int = 25_000, *, base: str = "http://gw.test", items: tuple[CartItem, ...] = ()
) -> OrderInfo:
    txid = new_txid()
    return OrderInfo(
        txid=txid,
        reference_no=f"ORD{txid[-8:]}",
        amount=amount,
        goods_name="Kopi susu",
        billing=Party(name="Budi", phone="081234567890", email="budi@example.com"),
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
        notify_url=f"{base}/partners/LINK/notify",
        return_url=f"{base}/pay/{txid}/return",
        cancel_url=f"{base}/pay/{txid}/cancel",
        items=items,
    )
