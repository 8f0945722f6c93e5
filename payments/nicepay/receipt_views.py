"""Akulaku receipt confirmation: POST confirmAkulaku (JSON or form), NICEPAY's token and answer."""

from __future__ import annotations

from typing import Any

from payments import tokens
from payments.services import receipts

from . import responses
from .auth import merchant_for, require_token
from .views import nicepay_json
from .wire import Field, text, timestamp

IMID = Field("iMid", "AN", 10, missing_cd="9011")
TXID = Field("tXid", "AN", 30, missing_cd="8004")
TOKEN = Field("merchantToken", "ANS", 255, missing_cd="9010")


@nicepay_json
def confirm_akulaku(body: dict[str, Any], **_: str) -> dict:
    merchant = merchant_for(text(body, IMID))
    txid = text(body, TXID)
    ts = timestamp(body)
    # Note the order, unlike the other V2 tokens: timeStamp + tXid + iMid + merchantKey.
    expected = tokens.akulaku_confirm_token(ts, txid, merchant.imid, merchant.merchant_key)
    require_token(merchant, expected, text(body, TOKEN), "confirmAkulaku")
    txn = receipts.transaction_confirm_receipt(txid=txid, merchant=merchant)
    return responses.receipt(txn)
