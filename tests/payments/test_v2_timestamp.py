"""V2 timeStamp: the merchant server's own clock, in whatever zone it runs.

NICEPAY's clients stamp local time (python-nicepay datetime.now(), the Node library new Date(),
WordPress PHP date() in UTC), so a correctly signed request stamped "now" on any real clock,
UTC-12 ... UTC+14, is accepted on every V2 endpoint; a reading far from every clock is refused with
9031. Inquiry only reads: any reading since the transaction's registration is accepted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from payments import tokens
from payments.models import Transaction
from payments.nicepay.errors import StaleTimestamp
from payments.nicepay.wire import timestamp
from payments.status import Status
from tests.support import flows
from tests.support import linking as lf
from tests.support.data import make_txn
from tests.support.strict import StrictV2Client

pytestmark = pytest.mark.django_db
NOTIFY = "http://127.0.0.1:9/notify"
ZONES = {"utc-12": "Etc/GMT+12", "utc": "UTC", "jakarta": "Asia/Jakarta", "utc+14": "Etc/GMT-14"}
FAR = {"2020": lambda now: now.replace(year=2020), "next-week": lambda now: now + timedelta(days=7)}


def now_in(zone: str) -> str:
    return datetime.now(ZoneInfo(zone)).strftime("%Y%m%d%H%M%S")


def far(name: str) -> str:
    return FAR[name](datetime.now(UTC)).strftime("%Y%m%d%H%M%S")


@pytest.fixture
def strict(client):
    return StrictV2Client(client)


def post(strict, path: str, body: dict) -> dict:
    return strict.post(path, json.dumps(body), content_type="application/json").json()


# --- one signed request per V2 endpoint, stamped `ts`; returns the resultCd and message --------


def registration(strict, merchant, ts: str) -> dict:
    body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url=NOTIFY, timeStamp=ts)
    return post(strict, "/nicepay/direct/v2/registration", body)


def inquiry(strict, merchant, ts: str) -> dict:
    txn = make_txn(merchant)
    return post(
        strict,
        "/nicepay/direct/v2/inquiry",
        flows.inquiry_request(txn.txid, txn.reference_no, txn.amount, ts=ts),
    )


def cancel(strict, merchant, ts: str) -> dict:
    txn = make_txn(merchant)  # never reached a partner: voided here
    body = {
        "timeStamp": ts,
        "tXid": txn.txid,
        "iMid": merchant.imid,
        "payMethod": "05",
        "cancelType": "1",
        "amt": str(txn.amount),
        "merchantToken": tokens.cancel_token(ts, merchant.imid, txn.txid, txn.amount, flows.KEY),
    }
    return post(strict, "/nicepay/direct/v2/cancel", body)


def confirm_akulaku(strict, merchant, ts: str) -> dict:
    txn = make_txn(merchant, mitra_cd="AKLP", pay_method="06")  # not paid: refused after the checks
    body = {
        "timeStamp": ts,
        "tXid": txn.txid,
        "iMid": merchant.imid,
        "merchantToken": tokens.akulaku_confirm_token(ts, txn.txid, merchant.imid, flows.KEY),
    }
    return post(strict, "/nicepay/api/direct/v2/confirmAkulaku", body)


def payment(strict, merchant, ts: str) -> dict:
    txn = make_txn(merchant, status=Status.FAILED, callback_url="http://127.0.0.1:9/back")
    token = tokens.payment_token(ts, merchant.imid, txn.reference_no, txn.amount, flows.KEY)
    query = {"timeStamp": ts, "tXid": txn.txid, "merchantToken": token, "returnJsonFormat": "1"}
    return strict.get(f"/nicepay/direct/v2/payment?{urlencode(query)}").json()


def link_enable(strict, merchant, ts: str) -> dict:
    query = lf.link_enable_query(db_process_url=NOTIFY, timeStamp=ts, mitraCd="DANA", returnJsonFormat="1")
    return strict.get(f"/nicepay/api/linkEnable.do?{urlencode(query)}").json()


def link_initiate(strict, merchant, ts: str) -> dict:
    query = lf.link_initiate_query(
        mandate_id="IONPAYTEST404", amount=25_000, db_process_url=NOTIFY, timeStamp=ts, returnJsonFormat="1"
    )
    return strict.get(f"/nicepay/api/linkInitiate.do?{urlencode(query)}").json()


# What each endpoint answers once the timeStamp and token are accepted (no partner is reached).
ACCEPTED = {
    registration: "0000",
    inquiry: "0000",
    cancel: "0000",
    confirm_akulaku: "9502",  # "receipt can only be confirmed for a paid transaction"
    payment: "9752",  # the payment already failed: its result, for the way back to the shop
    link_enable: "9012",  # linking is for AstraPay only
    link_initiate: "9501",  # no such mandate
}


@pytest.mark.parametrize("call", list(ACCEPTED), ids=lambda c: c.__name__)
@pytest.mark.parametrize("zone", list(ZONES.values()), ids=list(ZONES))
def test_now_on_any_real_clock_is_accepted_on_every_endpoint(strict, demo_merchant, call, zone):
    answer = call(strict, demo_merchant, now_in(zone))
    assert answer["resultCd"] == ACCEPTED[call], answer


@pytest.mark.parametrize("call", list(ACCEPTED), ids=lambda c: c.__name__)
@pytest.mark.parametrize("when", list(FAR))
def test_far_from_every_clock_is_refused_on_every_endpoint(strict, demo_merchant, call, when):
    before = Transaction.objects.filter(status=Status.VOID).count()
    stamp = far(when)
    answer = call(strict, demo_merchant, stamp)
    assert answer["resultCd"] == "9031", answer
    assert stamp in answer["resultMsg"] and "UTC-12 to UTC+14" in answer["resultMsg"]
    assert Transaction.objects.filter(status=Status.VOID).count() == before  # nothing cancelled


@override_settings(TIMESTAMP_SKEW=timedelta(minutes=15))
@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(hours=14, minutes=14), True),
        (timedelta(hours=14, minutes=16), False),
        (-timedelta(hours=12, minutes=14), True),
        (-timedelta(hours=12, minutes=16), False),
    ],
)
def test_the_window_edges_are_utc_minus_12_and_utc_plus_14_plus_the_skew(offset, accepted):
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    reading = (now + offset).strftime("%Y%m%d%H%M%S")
    if accepted:
        assert timestamp({"timeStamp": reading}, now=now) == reading
    else:
        with pytest.raises(StaleTimestamp):
            timestamp({"timeStamp": reading}, now=now)


def test_inquiry_stamped_with_the_notifications_transdt_transtm_is_answered_hours_later(
    strict, demo_merchant
):
    """A plugin inquires with timeStamp = transDt + transTm of our notification (Jakarta), processed
    a day later: far outside the window of a call that changes something, still answered."""
    txn = make_txn(demo_merchant, status=Status.PAID)
    paid_at = timezone.now() - timedelta(hours=29)
    Transaction.objects.filter(pk=txn.pk).update(created_at=paid_at - timedelta(minutes=3), paid_at=paid_at)
    ts = paid_at.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S")  # transDt + transTm
    body = flows.inquiry_request(txn.txid, txn.reference_no, txn.amount, ts=ts)
    answer = post(strict, "/nicepay/direct/v2/inquiry", body)
    assert (answer["resultCd"], answer["status"], answer["tXid"]) == ("0000", "0", txn.txid)
    # The same reading on a call that changes something is refused, and so is one from before the
    # transaction existed, on inquiry too.
    assert registration(strict, demo_merchant, ts)["resultCd"] == "9031"
    older = (paid_at - timedelta(days=2)).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S")
    older_body = flows.inquiry_request(txn.txid, txn.reference_no, txn.amount, ts=older)
    refused = post(strict, "/nicepay/direct/v2/inquiry", older_body)
    assert refused["resultCd"] == "9031" and "registration" in refused["resultMsg"]
