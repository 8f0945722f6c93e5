"""HTTP helpers for end-to-end tests: what a merchant integration does, against a running stack."""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
import uuid
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import requests

from providers import registry

IMID = "IONPAYTEST"
KEY = "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="


def sha(*parts: object) -> str:
    return hashlib.sha256("".join(str(p) for p in parts).encode()).hexdigest()


def stamp() -> str:
    return datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S")


def registration_body(
    *,
    mitra_cd: str,
    amount: int,
    db_process_url: str,
    reference_no: str | None = None,
    imid: str = IMID,
    key: str = KEY,
    phone: str = "081234567890",
    **overrides,
) -> dict:
    """A valid V2 registration body (payMethod 05 or 06 by mitraCd). Overrides replace fields."""
    ref = reference_no or f"ORD{uuid.uuid4().hex[:16].upper()}"
    ts = stamp()
    partner = registry.find(mitra_cd)  # an unknown code makes an e-wallet body (the gateway refuses it)
    payloan = bool(partner and partner.is_payloan)
    item = {
        "goods_id": "SKU1",
        "goods_name": "Test item",
        "goods_detail": "Test item",
        "goods_amt": str(amount),
        "goods_quantity": "1",
        "goods_type": "General",
        "goods_url": "http://shop.test/i",
        "img_url": "http://shop.test/i.png",
        "goods_sellers_id": "SEL1",
        "goods_sellers_name": "Seller",
    }
    body = {
        "timeStamp": ts,
        "iMid": imid,
        "payMethod": partner.pay_method if partner else "05",
        "currency": "IDR",
        "amt": str(amount),
        "referenceNo": ref,
        "goodsNm": "Test item",
        "billingNm": "Budi Santoso",
        "billingPhone": phone,
        "billingEmail": "budi@example.com",
        "billingAddr": "Jl. Sudirman 1",
        "billingCity": "Jakarta",
        "billingState": "DKI Jakarta",
        "billingPostCd": "10210",
        "billingCountry": "Indonesia",
        "cartData": json.dumps({"count": "1", "item": [item]}),
        "dbProcessUrl": db_process_url,
        "mitraCd": mitra_cd,
        "userIP": "127.0.0.1",
        "description": "test order",
    }
    if payloan:
        body.update(
            instmntType="1",
            instmntMon="1",
            deliveryNm="Budi Santoso",
            deliveryPhone=phone,
            deliveryAddr="Jl. Sudirman 1",
            deliveryCity="Jakarta",
            deliveryState="DKI Jakarta",
            deliveryPostCd="10210",
            deliveryCountry="Indonesia",
        )
    if partner and partner.sellers_required:
        body["sellers"] = json.dumps(
            [
                {
                    "sellersId": "SEL1",
                    "sellersNm": "Seller",
                    "sellersEmail": "s@shop.test",
                    "sellersUrl": "http://shop.test",
                    "sellersAddress": {
                        "sellerNm": "Sel",
                        "sellerLastNm": "Ler",
                        "sellerAddr": "Jl. 2",
                        "sellerCity": "Jakarta",
                        "sellerPostCd": "10230",
                        "sellerPhone": "0812000000",
                        "sellerCountry": "ID",
                    },
                }
            ]
        )
    body.update(overrides)
    body.setdefault("merchantToken", sha(body["timeStamp"], imid, body["referenceNo"], body["amt"], key))
    return body


def register(base_url: str, **kw) -> dict:
    """Registers; returns the answer plus `_body` (what was sent)."""
    body = registration_body(**kw)
    answer = requests.post(f"{base_url}/nicepay/direct/v2/registration", json=body, timeout=60).json()
    answer["_body"] = body
    return answer


def payment_url(
    base_url: str,
    reg: dict,
    *,
    callback_url: str = "http://127.0.0.1:9/merchant/callback",
    key: str = KEY,
    **extra: str,
) -> str:
    body = reg["_body"]
    ts = stamp()
    query = {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "callBackUrl": callback_url,
        "merchantToken": sha(ts, body["iMid"], body["referenceNo"], body["amt"], key),
        **extra,
    }
    return f"{base_url}/nicepay/direct/v2/payment?{urlencode(query)}"


def start_payment(base_url: str, reg: dict, **kw) -> requests.Response:
    """The browser's first hop: the gateway's answer (a page that moves on, JSON, or an error page)."""
    return requests.get(payment_url(base_url, reg, **kw), allow_redirects=False, timeout=60)


CONTINUE_LINK = re.compile(r'<a [^>]*id="continue"[^>]*href="([^"]*)"')
NOSCRIPT_REFRESH = re.compile(r'<noscript><meta http-equiv="refresh" content="0;url=([^"]*)"></noscript>')


def next_hop(resp: requests.Response) -> str:
    """Where a browser step's answer sends the browser. As NICEPAY answers it: HTTP 200, a page that
    leaves at once (script), refreshes without script (<noscript>), and shows the link."""
    assert resp.status_code == 200, (resp.status_code, resp.text[:300])
    assert resp.headers["Content-Type"].startswith("text/html"), resp.headers["Content-Type"]
    link, refresh = CONTINUE_LINK.search(resp.text), NOSCRIPT_REFRESH.search(resp.text)
    assert link and refresh and "/static/js/continue" in resp.text, resp.text[:800]
    assert link.group(1) == refresh.group(1)
    return html.unescape(link.group(1))


def payment_started(base_url: str, reg: dict, **kw) -> str:
    """The payment step, followed to the partner's page (or our OVO waiting page)."""
    return next_hop(start_payment(base_url, reg, **kw))


def simulate(base_url: str, txid: str, outcome: str) -> requests.Response:
    return requests.post(f"{base_url}/sandbox/simulate", json={"tXid": txid, "outcome": outcome}, timeout=90)


def inquiry_request(
    txid: str, reference_no: str, amt: object, *, ts: str | None = None, key: str = KEY, imid: str = IMID
) -> dict:
    """A signed V2 inquiry body: SHA256(timeStamp + iMid + referenceNo + amt + merchantKey)."""
    ts = ts or stamp()
    return {
        "timeStamp": ts,
        "tXid": txid,
        "iMid": imid,
        "referenceNo": reference_no,
        "amt": str(amt),
        "merchantToken": sha(ts, imid, reference_no, amt, key),
    }


def inquiry(base_url: str, reg: dict, *, key: str = KEY) -> dict:
    body = reg["_body"]
    req = inquiry_request(reg["tXid"], body["referenceNo"], body["amt"], key=key, imid=body["iMid"])
    return requests.post(f"{base_url}/nicepay/direct/v2/inquiry", json=req, timeout=30).json()


def cancel_body(
    reg: dict, *, amount: int, cancel_type: str = "1", key: str = KEY, ts: str = "", msg: str = "test cancel"
) -> dict:
    """A signed V2 cancel of `amount` for the registration `reg` (timeStamp now unless given)."""
    body = reg["_body"]
    ts = ts or stamp()
    return {
        "timeStamp": ts,
        "tXid": reg["tXid"],
        "iMid": body["iMid"],
        "payMethod": body["payMethod"],
        "cancelType": cancel_type,
        "amt": str(amount),
        "cancelMsg": msg,
        "merchantToken": sha(ts, body["iMid"], reg["tXid"], amount, key),
    }


def post_cancel(base_url: str, req: dict) -> dict:
    return requests.post(f"{base_url}/nicepay/direct/v2/cancel", json=req, timeout=60).json()


def cancel(base_url: str, reg: dict, *, amount: int, cancel_type: str = "1", key: str = KEY) -> dict:
    return post_cancel(base_url, cancel_body(reg, amount=amount, cancel_type=cancel_type, key=key))


def wait_for_status(base_url: str, reg: dict, expected: str, timeout: float = 30.0) -> dict:
    """Polls inquiry until `status` == expected (or the timeout); returns the last answer."""
    deadline = time.monotonic() + timeout
    answer: dict = {}
    while time.monotonic() < deadline:
        answer = inquiry(base_url, reg)
        if answer.get("status") == expected:
            return answer
        time.sleep(0.3)
    return answer


def verify_notification(form: dict[str, str], *, key: str = KEY, imid: str = IMID) -> bool:
    """The merchant's check of the notification's merchantToken (nicepay-v2.md §6)."""
    return form.get("merchantToken") == sha(imid, form.get("tXid", ""), form.get("amt", ""), key)


def simulated(stack, reg: dict, outcome: str = "success") -> dict:
    """`simulate`, for a test that expects the partner to accept the outcome."""
    resp = simulate(stack.base_url, reg["tXid"], outcome)
    assert resp.status_code == 200, resp.text
    return resp.json()


def notified(receiver, reg: dict, count: int, *, quiet: float = 1.5) -> list:
    """Waits for `count` merchant notifications, checks no extra one follows and each verifies."""
    receiver.wait_for(reg["tXid"], count, timeout=20)
    time.sleep(quiet)
    got = receiver.for_txid(reg["tXid"])
    assert len(got) == count, [n.form.get("status") for n in got]
    for note in got:
        assert verify_notification(note.form), note.form
    return got
