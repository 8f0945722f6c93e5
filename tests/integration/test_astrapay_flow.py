"""AstraPay (ASTR) end to end on the real stack: link the account (linkEnable), pay on the mandate
(linkInitiate), AstraPay's signed notify, merchant notifications, refunds, then unlink: a payment
on the revoked mandate is refused. Outcomes follow the amount's last three digits."""

from __future__ import annotations

import time
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from payments import customer_access
from payments.models import AccountLink, PartnerCallback, Transaction, UnverifiedCallback
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support import linking as lf
from tests.support.flows import notified as notifications
from tests.support.flows import simulated as simulate

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/merchant/callback"


def link_notes(receiver, mandate_id: str) -> list:
    with receiver.lock:
        return [r for r in receiver.received if r.form.get("mandateID") == mandate_id]


def wait_link_notes(receiver, mandate_id: str, count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(link_notes(receiver, mandate_id)) < count:
        time.sleep(0.1)
    time.sleep(1)
    return link_notes(receiver, mandate_id)


def link(stack, receiver) -> str:
    """linkEnable, then the customer binds at AstraPay (simulated); returns the mandateID."""
    resp = lf.link_enable(stack.base_url, db_process_url=receiver.url, returnJsonFormat="1")
    assert resp.status_code == 200, resp.text[:300]
    mandate = resp.json()["mandateID"]
    result = flows.simulate(stack.base_url, mandate, "success").json()
    assert result["state"] == "BOUND"
    back = requests.get(result["redirect_url"], allow_redirects=False, timeout=30)
    assert back.status_code == 302 and lf.query_of(back.headers["Location"])["linkStatus"] == "linked"
    return mandate


def pay(stack, receiver, mandate: str, amount: int) -> tuple[dict, str]:
    resp = lf.link_initiate(
        stack.base_url, mandate_id=mandate, amount=amount, db_process_url=receiver.url, callback_url=CALLBACK
    )
    page_url = flows.next_hop(resp)
    assert "/sandbox/astrapay/merchant-service/payments/" in page_url
    sent = resp.sent
    txn = Transaction.objects.get(reference_no=sent["referenceNo"])
    reg = {
        "tXid": txn.txid,
        "_body": {
            "iMid": sent["iMid"],
            "referenceNo": sent["referenceNo"],
            "amt": sent["amt"],
            "payMethod": "05",
        },
    }
    return reg, page_url


def callbacks(reg: dict) -> list[str]:
    txn = Transaction.objects.get(txid=reg["tXid"])
    return list(txn.partner_callbacks.order_by("id").values_list("outcome", flat=True))


@pytest.fixture
def mandate(stack, demo_merchant, receiver) -> str:
    return link(stack, receiver)


def test_link_pay_refund_unlink_then_refused(stack, demo_merchant, receiver) -> None:
    mandate = link(stack, receiver)
    [linked] = wait_link_notes(receiver, mandate, 1)
    assert linked.form["linkStatus"] == "linked" and lf.verify_link_notification(linked.form)

    reg, page_url = pay(stack, receiver, mandate, 25_000)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200 and "Rp 25.000" in page.text and "123456" in page.text
    result = simulate(stack, reg)
    assert result["notified"] == [200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    [note] = notifications(receiver, reg, 1)
    assert (note.form["status"], note.form["amt"], note.form["mitraCd"]) == ("0", "25000", "ASTR")
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]
    back = requests.get(
        f"{stack.base_url}{customer_access.page_path(reg['tXid'], 'return')}",
        allow_redirects=False,
        timeout=30,
    )
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK)
    assert lf.query_of(back.headers["Location"])["resultCd"] == "0000"

    assert flows.cancel(stack.base_url, reg, amount=10_000, cancel_type="2")["resultCd"] == "0000"
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    rest = flows.cancel(stack.base_url, reg, amount=15_000, cancel_type="2")
    assert rest["resultCd"] == "0000", rest
    assert flows.wait_for_status(stack.base_url, reg, "2")["status"] == "2"
    assert [n.form["status"] for n in notifications(receiver, reg, 2)] == ["0", "2"]

    call_command("astrapay_links", "revoke", mandate, stdout=StringIO())
    assert AccountLink.objects.get(mandate_id=mandate).state == "revoked"
    assert [n.form["linkStatus"] for n in wait_link_notes(receiver, mandate, 2)] == ["linked", "revoked"]
    binding = SandboxOrder.objects.get(partner="astrapay", merchant_ref=mandate)
    assert binding.state == "UNBOUND"  # unbound at AstraPay too
    before = Transaction.objects.count()
    refused = lf.link_initiate(
        stack.base_url, mandate_id=mandate, amount=25_000, db_process_url=receiver.url, returnJsonFormat="1"
    )
    assert refused.status_code == 200 and refused.json()["resultCd"] == "9502"
    assert Transaction.objects.count() == before


@pytest.mark.parametrize(
    ("amount", "outcome", "status"),
    [
        (25_901, "success", "8"),  # AstraPay declines: 06
        (25_902, "success", "5"),  # lapses: 05 "Expired"
        (25_903, "success", "8"),  # the customer cancels: 05
        (25_000, "decline", "8"),
        (25_000, "expire", "5"),
        (25_000, "cancel", "8"),
    ],
)
def test_final_outcomes(stack, receiver, mandate, amount, outcome, status) -> None:
    reg, _ = pay(stack, receiver, mandate, amount)
    simulate(stack, reg, outcome)
    assert flows.wait_for_status(stack.base_url, reg, status)["status"] == status
    [note] = notifications(receiver, reg, 1)
    assert note.form["status"] == status
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED]


def test_905_stays_pending(stack, receiver, mandate) -> None:
    reg, _ = pay(stack, receiver, mandate, 25_905)
    assert simulate(stack, reg)["notified"] == []
    time.sleep(4)
    assert flows.inquiry(stack.base_url, reg)["status"] == "9"
    assert receiver.for_txid(reg["tXid"]) == []
    assert Transaction.objects.get(txid=reg["tXid"]).poll_count >= 1


def test_906_never_notified_polling_settles(stack, receiver, mandate) -> None:
    reg, _ = pay(stack, receiver, mandate, 25_906)
    assert simulate(stack, reg)["notified"] == []
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    assert callbacks(reg) == []
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_907_notified_twice_applied_once(stack, receiver, mandate) -> None:
    reg, _ = pay(stack, receiver, mandate, 25_907)
    assert simulate(stack, reg)["notified"] == [200, 200]
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    notifications(receiver, reg, 1)
    assert callbacks(reg) == [PartnerCallback.Outcome.APPLIED, PartnerCallback.Outcome.DUPLICATE]


def test_908_bad_signature_stored_refused_never_applied(stack, receiver, mandate) -> None:
    reg, _ = pay(stack, receiver, mandate, 25_908)
    assert simulate(stack, reg)["notified"] == [401]
    refused = UnverifiedCallback.objects.get(mitra_cd="ASTR", body_excerpt__contains=reg["tXid"])
    assert "signature" in refused.reason and refused.headers["X-Signature"] == "[redacted]"
    assert not PartnerCallback.objects.filter(mitra_cd="ASTR", body__contains=reg["tXid"]).exists()
    assert flows.wait_for_status(stack.base_url, reg, "0", timeout=20)["status"] == "0"
    notifications(receiver, reg, 1)
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.events.filter(to_status="0").values_list("source", flat=True)[0] == "poll"


def test_909_partner_error_keeps_payment_open(stack, receiver, mandate) -> None:
    resp = lf.link_initiate(stack.base_url, mandate_id=mandate, amount=25_909, db_process_url=receiver.url)
    assert resp.status_code == 200 and "data-result-cd" in resp.text and "not answering" in resp.text
    txn = Transaction.objects.get(reference_no=resp.sent["referenceNo"])
    assert not SandboxOrder.objects.filter(partner="astrapay", merchant_ref=txn.txid).exists()
    time.sleep(1.5)
    assert Transaction.objects.get(pk=txn.pk).status == "9"
    assert receiver.for_txid(txn.txid) == []
