"""AstraPay linking on the gateway: linkEnable -> binding -> finish, linkInitiate, revoke.

Runs the gateway and the sandbox in one live server (real HTTP in both directions)."""

from __future__ import annotations

from io import StringIO
from urllib.parse import urlparse

import pytest
import requests
from django.core.management import call_command

from payments import customer_access
from payments import secrets as key_store
from payments.models import AccountLink, Notification, PartnerCallback, Transaction, UnverifiedCallback
from tests.support import flows
from tests.support import linking as lf

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "http://127.0.0.1:9/merchant/notify"


def linked(base: str) -> AccountLink:
    resp = lf.link_enable(base, db_process_url=NOTIFY)
    finish = lf.bind_at_astrapay(flows.next_hop(resp))
    back = requests.get(finish, allow_redirects=False, timeout=30)
    assert back.status_code == 302
    link = AccountLink.objects.get(reference_no=resp.sent["referenceNo"])
    assert link.state == AccountLink.State.LINKED
    return link


def test_link_pay_revoke_then_refused(sandbox_server, demo_merchant):
    base = sandbox_server.url
    resp = lf.link_enable(base, db_process_url=NOTIFY)
    binding_url = flows.next_hop(resp)
    assert "/sandbox/astrapay/payment-channel/account-binding/BND" in binding_url
    link = AccountLink.objects.get(reference_no=resp.sent["referenceNo"])
    assert link.state == AccountLink.State.PENDING and link.mandate_id.startswith("IONPAYTEST")
    assert len(link.mandate_id) <= 40 and link.partner_ref.startswith("BND")

    finish = lf.bind_at_astrapay(binding_url)
    assert urlparse(finish).path == customer_access.link_finish_path(link.mandate_id)
    # AstraPay's signed binding notice reached the gateway before the browser did.
    link.refresh_from_db()
    assert link.state == AccountLink.State.LINKED and link.linked_at
    assert link.token_encrypted and key_store.decrypt(link.token_encrypted)
    cb = PartnerCallback.objects.get(mitra_cd="ASTR")
    assert cb.outcome == "applied"

    back = requests.get(finish, allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"].startswith(lf.CALLBACK)
    q = lf.query_of(back.headers["Location"])
    assert (q["resultCd"], q["linkStatus"], q["mandateID"]) == ("0000", "linked", link.mandate_id)

    [note] = Notification.objects.filter(kind="link")
    assert note.payload["linkStatus"] == "linked" and note.payload["mandateID"] == link.mandate_id
    assert lf.verify_link_notification(note.payload) and note.url == NOTIFY

    pay = lf.link_initiate(base, mandate_id=link.mandate_id, amount=25_000, db_process_url=NOTIFY)
    pay_url = flows.next_hop(pay)
    assert "/sandbox/astrapay/merchant-service/payments/" in pay_url
    txn = Transaction.objects.get(reference_no=pay.sent["referenceNo"])
    assert (txn.mitra_cd, txn.pay_method, txn.amount) == ("ASTR", "05", 25_000)
    assert txn.partner_ref.startswith("INV/PAC/ONP/") and txn.partner_data["mandate_id"] == link.mandate_id

    done = lf.pay_at_astrapay(pay_url)
    assert done.status_code == 302 and done.headers["Location"].endswith(
        customer_access.page_path(txn.txid, "return")
    )
    txn.refresh_from_db()
    assert txn.status == "0"  # paid, through AstraPay's signed notify

    out = StringIO()
    call_command("astrapay_links", "list", "--imid", "IONPAYTEST", stdout=out)
    assert link.mandate_id in out.getvalue() and "linked" in out.getvalue()
    call_command("astrapay_links", "revoke", link.mandate_id, stdout=out)
    link.refresh_from_db()
    assert link.state == AccountLink.State.REVOKED and link.token_encrypted == "" and link.revoked_at
    assert Notification.objects.filter(kind="link", payload__linkStatus="revoked").count() == 1

    before = Transaction.objects.count()
    again = lf.link_initiate(
        base, mandate_id=link.mandate_id, amount=25_000, db_process_url=NOTIFY, returnJsonFormat="1"
    )
    assert again.status_code == 200  # JSON: NICEPAY's answer is HTTP 200, the verdict in resultCd
    assert again.json()["resultCd"] == "9502" and "revoked" in again.json()["resultMsg"]
    html = lf.link_initiate(base, mandate_id=link.mandate_id, amount=25_000, db_process_url=NOTIFY)
    assert html.status_code == 200 and "revoked" in html.text and "<html" in html.text.lower()
    assert "Reference code 9502" in html.text and 'id="continue"' not in html.text
    assert Transaction.objects.count() == before


def test_bad_token_and_wrong_partner_are_refused(sandbox_server, demo_merchant):
    base = sandbox_server.url
    bad = lf.link_enable(base, db_process_url=NOTIFY, merchantToken="0" * 64, returnJsonFormat="1")
    assert bad.status_code == 200 and bad.json()["resultCd"] == "9010"
    wrong = lf.link_enable(base, db_process_url=NOTIFY, mitraCd="DANA", returnJsonFormat="1")
    assert wrong.status_code == 200 and wrong.json()["resultCd"] == "9012"
    stale = lf.link_enable(base, db_process_url=NOTIFY, timeStamp="20200101000000", returnJsonFormat="1")
    assert stale.status_code == 200 and stale.json()["resultCd"] == "9031"
    assert AccountLink.objects.count() == 0
    unknown = lf.link_initiate(
        base, mandate_id="IONPAYTEST000", amount=25_000, db_process_url=NOTIFY, returnJsonFormat="1"
    )
    assert unknown.status_code == 200 and unknown.json()["resultCd"] == "9501"
    # As pages (no returnJsonFormat): HTTP 200 too, as NICEPAY's browser steps, the verdict shown.
    for page, code in (
        (lf.link_enable(base, db_process_url=NOTIFY, merchantToken="0" * 64), "9010"),
        (lf.link_enable(base, db_process_url=NOTIFY, timeStamp="20200101000000"), "9031"),
        (lf.link_enable(base, db_process_url=NOTIFY, callBackUrl="javascript:alert(1)"), "9019"),
        (lf.link_initiate(base, mandate_id="IONPAYTEST000", amount=25_000, db_process_url=NOTIFY), "9501"),
    ):
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), (
            page.status_code
        )
        assert f"Reference code {code}" in page.text and 'id="continue"' not in page.text
    # Only GET and a form POST: a valid request under another method links nothing.
    query = lf.link_enable_query(db_process_url=NOTIFY)
    for method in ("PUT", "DELETE"):
        refused = requests.request(method, f"{base}/nicepay/api/linkEnable.do", params=query, timeout=30)
        assert refused.status_code == 200 and "Use GET or a form POST" in refused.text
    assert AccountLink.objects.count() == 0


def test_json_answer_and_pending_link_refuses_payment(sandbox_server, demo_merchant):
    base = sandbox_server.url
    resp = lf.link_enable(base, db_process_url=NOTIFY, returnJsonFormat="1")
    assert resp.status_code == 200
    data = resp.json()
    assert data["resultCd"] == "0000" and "/payment-channel/account-binding/" in data["redirectUrl"]
    pay = lf.link_initiate(
        base, mandate_id=data["mandateID"], amount=25_000, db_process_url=NOTIFY, returnJsonFormat="1"
    )
    assert pay.status_code == 200 and "pending" in pay.json()["resultMsg"]
    # A forged return with a made-up authCode leaves the link pending.
    forged = requests.get(
        f"{base}{customer_access.link_finish_path(data['mandateID'])}?authCode=forged",
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 302 and lf.query_of(forged.headers["Location"])["linkStatus"] == "pending"
    assert AccountLink.objects.get(mandate_id=data["mandateID"]).state == AccountLink.State.PENDING


def test_cancelled_binding_fails_the_link(sandbox_server, demo_merchant):
    resp = lf.link_enable(sandbox_server.url, db_process_url=NOTIFY)
    cancelled = lf.submit(requests.Session(), flows.next_hop(resp), {"action": "cancel"})
    assert cancelled.status_code == 302
    link = AccountLink.objects.get(reference_no=resp.sent["referenceNo"])
    assert link.state == AccountLink.State.FAILED
    assert Notification.objects.get(kind="link").payload["linkStatus"] == "failed"
    back = requests.get(cancelled.headers["Location"], allow_redirects=False, timeout=30)
    assert lf.query_of(back.headers["Location"])["resultCd"] == "9752"
    # Linking again with the same referenceNo restarts it.
    again = lf.link_enable(sandbox_server.url, db_process_url=NOTIFY, reference_no=resp.sent["referenceNo"])
    flows.next_hop(again)
    link.refresh_from_db()
    assert link.state == AccountLink.State.PENDING


def test_forged_link_notice_is_refused(sandbox_server, demo_merchant):
    resp = lf.link_enable(sandbox_server.url, db_process_url=NOTIFY, returnJsonFormat="1")
    mandate = resp.json()["mandateID"]
    body = (
        f'{{"referenceNo":"BND1","externalUid":"{mandate}","latestBindingStatus":"00",'
        f'"additionalInfo":{{"authCode":"x"}}}}'
    )
    r = requests.post(
        f"{sandbox_server.url}/partners/ASTR/notify",
        data=body,
        timeout=30,
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer t",
            "X-TIMESTAMP": "2026-01-01T00:00:00+07:00",
            "X-SIGNATURE": "AAAA",
        },
    )
    assert r.status_code == 401
    assert "signature" in UnverifiedCallback.objects.get(mitra_cd="ASTR").reason
    assert not PartnerCallback.objects.filter(mitra_cd="ASTR").exists()
    assert AccountLink.objects.get(mandate_id=mandate).state == AccountLink.State.PENDING


def test_revoke_refuses_unlinked(sandbox_server, demo_merchant):
    resp = lf.link_enable(sandbox_server.url, db_process_url=NOTIFY, returnJsonFormat="1")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not linked"):
        call_command("astrapay_links", "revoke", resp.json()["mandateID"], stdout=StringIO())
    with pytest.raises(CommandError, match="no account link"):
        call_command("astrapay_links", "revoke", "NOPE", stdout=StringIO())
