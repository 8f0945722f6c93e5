"""services/payment_links.py: creating links, paying through them, single use, disabling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments import exceptions as err
from payments.models import AuditLog, PaymentLink, Transaction
from payments.services import payment_links
from payments.services.audit import Actor
from payments.status import Status

pytestmark = pytest.mark.django_db
PAYER = payment_links.Payer(name="Budi", email="b@example.com", phone="081234567890")


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):  # noqa: ANN202
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


@pytest.fixture
def shop(merchant):  # noqa: ANN001, ANN201
    merchant.default_notification_url = "http://127.0.0.1:9/notify"
    merchant.save()
    return merchant


def test_create_checks_the_amount_the_expiry_and_the_notification_url(merchant) -> None:
    with pytest.raises(err.NotificationUrlMissing):
        payment_links.payment_link_create(
            merchant=merchant, amount=30_000, description="x", expires_at=None, multi_use=False
        )
    merchant.default_notification_url = "http://127.0.0.1:9/notify"
    with pytest.raises(err.PaymentLinkAmountInvalid):
        payment_links.payment_link_create(
            merchant=merchant, amount=0, description="x", expires_at=None, multi_use=False
        )
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(err.PaymentLinkExpiryInPast):
        payment_links.payment_link_create(
            merchant=merchant, amount=30_000, description="x", expires_at=past, multi_use=False
        )
    link = payment_links.payment_link_create(
        merchant=merchant, amount=30_000, description="Tiket", expires_at=None, multi_use=True,
        actor=Actor(AuditLog.Actor.MERCHANT, None, "10.0.0.1"),
    )  # fmt: skip
    assert len(link.code) == 22 and AuditLog.objects.filter(action="payment_link.created").count() == 1


def test_a_single_use_link_is_paid_once(shop) -> None:
    link = payment_links.payment_link_create(
        merchant=shop, amount=30_000, description="Tiket", expires_at=None, multi_use=False
    )
    first = payment_links.payment_link_pay(link=link, payer=PAYER)
    again = payment_links.payment_link_pay(link=link, payer=PAYER)  # the first opener chose nothing yet
    assert (
        Transaction.objects.get(pk=first.pk).status == Status.FAILED
        and again.reference_no == first.reference_no
    )
    Transaction.objects.filter(pk=again.pk).update(payment_started_at=timezone.now())
    with pytest.raises(err.PaymentLinkBusy):  # someone is paying it right now
        payment_links.payment_link_pay(link=link, payer=PAYER)
    Transaction.objects.filter(pk=again.pk).update(status=Status.PAID, paid_at=timezone.now())
    assert payment_links.payment_link_state_of(link) == "used"
    with pytest.raises(err.PaymentLinkClosed):
        payment_links.payment_link_pay(link=link, payer=PAYER)
    # The payer who opens it again reads that it was paid, never "expired, nothing was charged".
    page = Client(REMOTE_ADDR="10.7.7.8").get(f"/l/{link.code}")
    text = page.content.decode()
    assert page.status_code == 410 and "has been used" in text and "that payment has been made" in text
    assert "Nothing was charged" not in text and "expired" not in text
    indonesian = Client(REMOTE_ADDR="10.7.7.8", HTTP_ACCEPT_LANGUAGE="id").get(f"/l/{link.code}")
    assert "Tautan pembayaran ini sudah digunakan" in indonesian.content.decode()


def test_multi_use_links_make_a_reference_per_payment(shop) -> None:
    link = payment_links.payment_link_create(
        merchant=shop, amount=30_000, description="Donasi", expires_at=None, multi_use=True
    )
    one, two = (payment_links.payment_link_pay(link=link, payer=PAYER) for _ in range(2))
    assert one.reference_no != two.reference_no and one.reference_no.startswith(f"LINK{link.pk}-")
    assert one.payment_link_id == two.payment_link_id == link.pk


def test_disabled_and_expired_links_take_no_payment(shop) -> None:
    link = payment_links.payment_link_create(
        merchant=shop, amount=30_000, description="Donasi", expires_at=None, multi_use=True
    )
    payment_links.payment_link_set_active(link=link, active=False)
    with pytest.raises(err.PaymentLinkClosed):
        payment_links.payment_link_pay(link=link, payer=PAYER)
    client = Client(REMOTE_ADDR="10.7.7.7")
    assert client.get(f"/l/{link.code}").status_code == 410
    expired = PaymentLink.objects.create(
        merchant=shop,
        code="x" * 22,
        amount=1000,
        description="old",
        expires_at=timezone.now() - timedelta(days=1),
    )
    assert payment_links.payment_link_state_of(expired) == "expired"
    assert client.get(f"/l/{expired.code}").status_code == 410
    assert client.get(f"/l/{'y' * 22}").status_code == 404
