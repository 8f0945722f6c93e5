"""Every status and state the dashboard shows is in words, with its code small beside it: payment
statuses, partners (their catalogue name, mitraCd beside), notifications, cancels, jobs, partner
callbacks and payment links."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from payments.dashboard import words
from payments.models import Cancellation, Job, Notification, PartnerCallback, PaymentLink, Transaction
from payments.services import checkout as checkout_service
from payments.services import payment_links
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers import registry
from tests.factories import MerchantFactory
from tests.support.dashboard import cancel, member, txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]
CODES = {
    "status": [s.value for s in Status],
    "notification": Notification.State.values,
    "cancel": Cancellation.State.values,
    "job": Job.State.values,
    "callback": PartnerCallback.Outcome.values,
    "link": ["active", "expired", "used", "disabled"],
    "partner": registry.known_mitra_codes(),
}


def shown(kind: str, code: str) -> str:
    """The words then the code, as the page renders them (HTML)."""
    p = words.plain(kind, code)
    badge = r'(<span class="badge [^"]*">)?'
    code_html = rf'<span class="code" title="{p.title}">{re.escape(code)}</span>'
    return rf"{badge}{re.escape(p.text)}(</span>)? {code_html}"


@pytest.mark.parametrize("kind", sorted(CODES))
def test_every_code_has_its_own_words(kind):
    texts = [words.plain(kind, code).text for code in CODES[kind]]
    assert len(set(texts)) == len(texts), texts  # no two codes read the same
    for code, text in zip(CODES[kind], texts, strict=True):
        assert text and text[0].isupper(), (kind, code, text)
        assert text != code or kind == "partner", (kind, code)  # a partner's name may be its code (DANA)
    assert words.plain("partner", "OVOE").text == "OVO" and words.plain("partner", "ESHP").text == "ShopeePay"


def test_the_payment_page_shows_words_beside_every_code(client, monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    merchant = MerchantFactory()
    client.force_login(member(merchant, "viewer").user)
    now = timezone.now()
    earlier = txn(merchant, status="8", mitra_cd="OVOE", reference_no="ORDER-1")
    t = txn(
        merchant, status="0", mitra_cd="ESHP", reference_no="ORDER-1", paid_at=now, cancelled_amount=1_000
    )
    PartnerCallback.objects.create(mitra_cd="ESHP", path="/x", body="{}", transaction=t, outcome="rejected")
    Notification.objects.create(
        merchant=merchant, transaction=t, url="http://127.0.0.1:9/", payload={"status": "0"}, state="dead"
    )
    cancel(t, 1_000)
    page = client.get(f"/dashboard/transactions/{t.txid}/").content.decode()

    partner = re.search(r'id="txn-partner">(.*?)</dd>', page, re.S).group(1)
    assert re.fullmatch(shown("partner", "ESHP"), partner.strip())
    attempts = re.search(r'id="attempts".*?</section>', page, re.S).group(0)
    row = re.search(rf"{earlier.txid}.*?</tr>", attempts, re.S).group(0)
    assert re.search(shown("status", "8"), row) and re.search(shown("partner", "OVOE"), row)
    assert 'status-failed">failed<' not in row and "<td>OVOE</td>" not in row  # the raw codes, alone
    for kind, code in (("callback", "rejected"), ("notification", "dead"), ("cancel", "succeeded")):
        assert re.search(shown(kind, code), page), (kind, code)
    assert '">dead</span>' not in page.replace('title="state">dead</span>', "")


def test_lists_links_and_jobs_show_words_beside_their_codes(client, monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    merchant = MerchantFactory(default_notification_url="http://127.0.0.1:9/notify")
    client.force_login(member(merchant, "owner").user)
    t = txn(merchant, status="0", paid_at=timezone.now(), cancelled_amount=500)
    cancel(t, 500, state="unknown")
    Notification.objects.create(
        merchant=merchant, transaction=t, url="http://127.0.0.1:9/", payload={}, state="failed"
    )
    job = Job.objects.create(kind="replay", merchant=merchant, state="done", progress=1, total=1)

    refunds = client.get("/dashboard/refunds/").content.decode()
    assert re.search(shown("cancel", "unknown"), refunds)
    log = client.get("/dashboard/notifications/").content.decode()
    assert re.search(shown("notification", "failed"), log)
    assert re.search(rf"Replay #{job.pk}</a> · {shown('job', 'done')}", log)
    page = client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert re.search(
        r'id="job-state">Finished</strong> <span class="code" id="job-state-code"[^>]*>done<', page
    )
    assert client.get(f"/dashboard/jobs/{job.pk}/status").json()["stateText"] == "Finished"

    link = PaymentLink.objects.create(merchant=merchant, code="c0de", amount=20_000, description="Tea")
    detail = client.get(f"/dashboard/links/{link.pk}/").content.decode()
    assert re.search(rf'id="link-state">{shown("link", "active")}', detail)
    assert re.search(shown("link", "active"), client.get("/dashboard/links/").content.decode())
    payment = payment_links.payment_link_pay(
        link=link, payer=payment_links.Payer(name="Budi", email="b@example.com", phone="081234567890")
    )
    Transaction.objects.filter(pk=payment.pk).update(mitra_cd="OVOE")
    transaction_apply_status(transaction_id=payment.pk, to=Status.PAID, source="test", idempotency_key="p")
    detail = client.get(f"/dashboard/links/{link.pk}/").content.decode()
    assert re.search(rf'id="link-state">{shown("link", "used")}', detail)  # paid once: single use
    row = re.search(rf"{payment.txid}.*?</tr>", detail, re.S).group(0)
    assert re.search(shown("status", "0"), row) and re.search(shown("partner", "OVOE"), row)
    PaymentLink.objects.filter(pk=link.pk).update(is_active=False)
    assert re.search(shown("link", "disabled"), client.get("/dashboard/links/").content.decode())


DELIVERY = {
    "delivery_name": "Budi",
    "delivery_phone": "081234567890",
    "delivery_address": "Jalan Sudirman 1",
    "delivery_city": "Jakarta",
    "delivery_state": "DKI Jakarta",
    "delivery_post_code": "10220",
    "delivery_country": "Indonesia",
}


def _signed_in_shop(client, monkeypatch):  # noqa: ANN001, ANN202
    """A merchant whose viewer is signed in; its notifications are not handed to Celery."""
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    merchant = MerchantFactory()
    client.force_login(member(merchant, "viewer").user)
    return merchant


def _link_payment(merchant, code: str) -> Transaction:  # noqa: ANN001
    """The first attempt of a new payment link of `merchant` (Rp 600.000), opened by a shopper."""
    link = PaymentLink.objects.create(merchant=merchant, code=code, amount=600_000, description="Tea")
    payer = payment_links.Payer(name="Budi", email="b@example.com", phone="081234567890")
    return payment_links.payment_link_pay(link=link, payer=payer)


def _timeline(client, txn: Transaction) -> str:  # noqa: ANN001
    page = client.get(f"/dashboard/transactions/{txn.txid}/").content.decode()
    return re.search(r'<ol class="timeline".*?</ol>', page, re.S).group(0)


def test_the_timeline_says_which_method_the_shopper_chose_on_the_hosted_page(client, monkeypatch):
    """The hosted checkout records the shopper's choice as a note event: the merchant's timeline
    names the partner (and the pay-later plan), never a bare "Note"."""
    merchant = _signed_in_shop(client, monkeypatch)
    ovo = _link_payment(merchant, "c0de")
    Transaction.objects.filter(pk=ovo.pk).update(instalment_months="1")  # as some merchants send it
    ovo.refresh_from_db()
    checkout_service._apply_choice(ovo, checkout_service.MethodChoice(mitra_cd="OVOE", phone="081234567890"))
    kredivo = _link_payment(merchant, "c0de2")
    checkout_service._apply_choice(
        kredivo, checkout_service.MethodChoice(mitra_cd="KDVI", tenor="3", delivery=DELIVERY)
    )

    chosen = {ovo: "Shopper chose OVO on the hosted checkout", kredivo: "Shopper chose Kredivo (3 months)"}
    for t, said in chosen.items():
        timeline = _timeline(client, t)
        assert said in timeline, timeline
        assert not re.search(r"</time>\s*Note\s*</li>", timeline), timeline


def test_the_timeline_says_who_made_each_attempt(client, monkeypatch):
    """Your server's registration, the shopper opening a payment link, or the shopper's new
    attempt after trying another method: never "Created by your server" for the last two."""
    first = _link_payment(_signed_in_shop(client, monkeypatch), "w0rds")
    checkout_service.checkout_abandon_attempt(txn=first)
    second = checkout_service.checkout_new_attempt(txn=first)
    said = {
        first: "Created when the shopper opened your payment link",
        second: "New attempt: the shopper tried another method on the hosted checkout",
    }
    for t, text in said.items():
        timeline = _timeline(client, t)
        assert text in timeline and "Created by your server" not in timeline, timeline
