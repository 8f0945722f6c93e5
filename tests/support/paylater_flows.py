"""What the pay-later end-to-end tests share: a merchant's calls against the running stack."""

from __future__ import annotations

import time

import requests

from payments.models import PartnerCallback, Transaction
from tests.support import flows

CALLBACK = "http://127.0.0.1:9/merchant/callback"
PAGES = {
    "KDVI": "/sandbox/kredivo/kredivo/v2/signin?tk=",
    "IDNA": "/sandbox/indodana/chermes/checkout/",
    "AKLP": "/sandbox/akulaku/v2/openPay.html?",
}


def pay(stack, receiver, mitra: str, amount: int, **kw) -> tuple[dict, str]:
    """Registration, then the browser's first hop: the gateway sends it to the partner's page."""
    reg = flows.register(stack.base_url, mitra_cd=mitra, amount=amount, db_process_url=receiver.url, **kw)
    assert reg["resultCd"] == "0000", reg
    page_url = flows.payment_started(stack.base_url, reg, callback_url=CALLBACK)
    assert PAGES[mitra] in page_url
    return reg, page_url


def simulate(stack, reg: dict, outcome: str = "success") -> dict:
    resp = flows.simulate(stack.base_url, reg["tXid"], outcome)
    assert resp.status_code == 200, resp.text
    return resp.json()


def notifications(receiver, reg: dict, count: int, *, quiet: float = 1.0) -> list:
    """Waits for `count` merchant notifications, checks no extra one follows and each token."""
    receiver.wait_for(reg["tXid"], count, timeout=20)
    time.sleep(quiet)
    got = receiver.for_txid(reg["tXid"])
    assert len(got) == count, [n.form.get("status") for n in got]
    for note in got:
        assert flows.verify_notification(note.form), note.form
    return got


def callbacks(reg: dict) -> list[str]:
    return list(
        PartnerCallback.objects.filter(body__contains=reg["tXid"])
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def settled_by(reg: dict, status: str) -> str:
    txn = Transaction.objects.get(txid=reg["tXid"])
    return txn.events.filter(to_status=status).values_list("source", flat=True)[0]


def back_to_merchant(url: str) -> str:
    """The browser's return through the gateway; answers where the gateway sends it."""
    back = requests.get(url, allow_redirects=False, timeout=30)
    assert back.status_code == 302, back.text[:300]
    return back.headers["Location"]
