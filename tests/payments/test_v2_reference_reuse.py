"""referenceNo reuse on V2 registration (issue: a retried order must be payable).

- The exact same request again (same timeStamp and merchantToken) is a replay: the first answer.
- A new registration for a referenceNo whose earlier transactions all ended unpaid (failed, expired,
  voided before payment) creates a new transaction with a new tXid.
- While one is open or was paid (paid, or voided or refunded after payment): 9009, naming the tXid
  that holds it. The database enforces it
  (a partial unique constraint), so concurrent requests cannot both win.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from django.db import IntegrityError, transaction

from payments.models import Notification, Transaction
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from tests.support import flows
from tests.support.strict import StrictV2Client

REG = "/nicepay/direct/v2/registration"
INQ = "/nicepay/direct/v2/inquiry"
NOTIFY = "http://127.0.0.1:9/notify"


def fresh(body: dict, *, delay: bool = True) -> dict:
    """The shop's retry: the same order, with a new timeStamp and token (a later second)."""
    body = dict(body)
    stamp = flows.stamp()
    while delay and stamp == body["timeStamp"]:
        time.sleep(0.05)
        stamp = flows.stamp()
    body["timeStamp"] = stamp
    body["merchantToken"] = flows.sha(stamp, body["iMid"], body["referenceNo"], body["amt"], flows.KEY)
    return body


def register(strict: StrictV2Client, body: dict) -> dict:
    return strict.post(REG, json.dumps(body), content_type="application/json").json()


def inquiry(strict: StrictV2Client, txid: str, body: dict) -> dict:
    req = flows.inquiry_request(txid, body["referenceNo"], body["amt"])
    return strict.post(INQ, json.dumps(req), content_type="application/json").json()


def settle(txid: str, *path: Status) -> None:
    txn = Transaction.objects.get(txid=txid)
    for to in path:
        transaction_apply_status(transaction_id=txn.pk, to=to, source="test", idempotency_key=f"to-{to}")


@pytest.fixture
def strict(client):
    return StrictV2Client(client)


@pytest.fixture
def first(strict, demo_merchant):
    body = flows.registration_body(mitra_cd="DANA", amount=30_000, db_process_url=NOTIFY)
    answer = register(strict, body)
    assert answer["resultCd"] == "0000", answer
    return body, answer


@pytest.mark.django_db
def test_identical_request_is_a_replay_with_the_first_answer(strict, first):
    body, answer = first
    assert register(strict, body) == answer
    assert Transaction.objects.filter(reference_no=body["referenceNo"]).count() == 1


HOLDING = {
    "init": (),
    "unpaid": (Status.UNPAID,),
    "processing": (Status.PROCESSING,),
    "paid": (Status.PAID,),
    "voided-after-payment": (Status.PAID, Status.VOID),
    "refunded": (Status.PAID, Status.REFUND),
}


@pytest.mark.django_db
@pytest.mark.parametrize("holding", list(HOLDING))
def test_while_a_transaction_is_open_or_was_paid_a_new_registration_gets_9009_naming_it(
    strict, first, holding
):
    body, answer = first
    settle(answer["tXid"], *HOLDING[holding])
    refused = register(strict, fresh(body))
    assert refused["resultCd"] == "9009" and answer["tXid"] in refused["resultMsg"], refused
    was_paid = Status.PAID in HOLDING[holding]
    assert ("already paid" in refused["resultMsg"]) == was_paid, refused
    assert Transaction.objects.filter(reference_no=body["referenceNo"]).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("ended", [Status.FAILED, Status.EXPIRED, Status.VOID])
def test_after_every_attempt_ended_unpaid_a_new_transaction_is_created(strict, first, ended):
    body, answer = first
    settle(answer["tXid"], ended)  # voided here means before payment (a cancel of an unpaid order)
    retry = fresh(body)
    again = register(strict, retry)
    assert again["resultCd"] == "0000" and again["tXid"] != answer["tXid"]
    assert again["referenceNo"] == body["referenceNo"]
    # Each request keeps its own answer: replaying the first one does not make a third transaction.
    assert register(strict, body) == answer
    assert register(strict, retry) == again
    assert Transaction.objects.filter(reference_no=body["referenceNo"]).count() == 2
    # Inquiry by tXid + referenceNo names exactly one transaction each.
    old, new = inquiry(strict, answer["tXid"], body), inquiry(strict, again["tXid"], body)
    assert (old["tXid"], old["status"]) == (answer["tXid"], ended.value)
    assert (new["tXid"], new["status"]) == (again["tXid"], "9")
    # The new one now holds the order.
    held = register(strict, fresh(retry))
    assert held["resultCd"] == "9009" and again["tXid"] in held["resultMsg"]


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_transaction_for_an_order(first):
    body, answer = first
    original = Transaction.objects.get(txid=answer["tXid"])
    copy = Transaction.objects.get(pk=original.pk)
    copy.pk, copy.txid = None, answer["tXid"][:-4] + "9999"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    settle(answer["tXid"], Status.FAILED)
    copy.save()  # once the first ended unpaid, a second may exist


@pytest.mark.django_db
def test_dashboard_detail_lists_the_other_attempts_of_the_order(strict, first, client):
    from tests.support.dashboard import member

    body, answer = first
    settle(answer["tXid"], Status.FAILED)
    again = register(strict, fresh(body))
    owner = member(Transaction.objects.get(txid=answer["tXid"]).merchant)
    client.force_login(owner.user)
    page = client.get(f"/dashboard/transactions/{again['tXid']}/").content.decode()
    assert "Other attempts for order " + body["referenceNo"] in page
    assert f"/dashboard/transactions/{answer['tXid']}/" in page and "failed" in page
    back = client.get(f"/dashboard/transactions/{answer['tXid']}/").content.decode()
    assert f"/dashboard/transactions/{again['tXid']}/" in back


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_order_create_exactly_one_transaction(live_server, demo_merchant):
    """Ten different requests (each its own timeStamp and token) and ten copies of one request,
    all at once over real HTTP: one transaction; the copies get its answer, the others 9009."""
    ref = f"RACE{uuid.uuid4().hex[:12].upper()}"
    base = flows.registration_body(mitra_cd="DANA", amount=30_000, db_process_url=NOTIFY, reference_no=ref)
    distinct = []
    sent_at = datetime.strptime(base["timeStamp"], "%Y%m%d%H%M%S")
    for i in range(10):  # earlier seconds: distinct requests, all well within the window
        stamp = (sent_at - timedelta(seconds=i + 1)).strftime("%Y%m%d%H%M%S")
        distinct.append(
            {
                **base,
                "timeStamp": stamp,
                "merchantToken": flows.sha(stamp, base["iMid"], ref, "30000", flows.KEY),
            }
        )
    bodies = distinct + [base] * 10
    gate = threading.Barrier(len(bodies))
    answers: list[dict] = [{}] * len(bodies)

    def send(i: int) -> None:
        session = requests.Session()
        gate.wait()
        resp = session.post(f"{live_server.url}{REG}", json=bodies[i], timeout=60)
        resp.raise_for_status()  # never a non-2xx, even under contention
        answers[i] = resp.json()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [txn] = Transaction.objects.filter(reference_no=ref)
    codes = [a.get("resultCd") for a in answers]
    assert set(codes) <= {"0000", "9009"}, answers
    winners = [a for a in answers if a["resultCd"] == "0000"]
    assert {a["tXid"] for a in winners} == {txn.txid}
    assert all(txn.txid in a["resultMsg"] for a in answers if a["resultCd"] == "9009")
    # Copies of one request get one answer: all 0000 if that request won, all 9009 otherwise.
    assert len({json.dumps(a, sort_keys=True) for a in answers[10:]}) == 1
    assert len(winners) in (1, 10)


@pytest.mark.integration
def test_retry_story_declined_then_paid_with_the_same_reference(stack, demo_merchant, receiver):
    """Declined, then the same referenceNo registered again, paid, notified; inquiry of both tXids."""
    base = stack.base_url
    ref = f"RETRY{uuid.uuid4().hex[:10].upper()}"
    first = flows.register(
        base, mitra_cd="DANA", amount=42_000, db_process_url=receiver.url, reference_no=ref
    )
    assert first["resultCd"] == "0000", first
    flows.payment_started(base, first)
    assert flows.simulated(stack, first, "decline")
    assert flows.wait_for_status(base, first, "8")["status"] == "8"

    body = fresh(first["_body"])
    second = requests.post(f"{base}{REG}", json=body, timeout=60)
    second.raise_for_status()
    second = {**second.json(), "_body": body}
    assert second["resultCd"] == "0000" and second["tXid"] != first["tXid"], second
    while_open = requests.post(f"{base}{REG}", json=fresh(body), timeout=60).json()
    assert while_open["resultCd"] == "9009" and second["tXid"] in while_open["resultMsg"]

    assert "/sandbox/dana/" in flows.payment_started(base, second)
    assert flows.simulated(stack, second, "success")
    assert flows.wait_for_status(base, second, "0")["status"] == "0"
    [paid] = flows.notified(receiver, second, 1)  # each verifies with the merchant's own token check
    assert (paid.form["tXid"], paid.form["referenceNo"], paid.form["status"]) == (second["tXid"], ref, "0")

    old, new = flows.inquiry(base, first), flows.inquiry(base, second)
    assert (old["resultCd"], old["tXid"], old["status"], old["referenceNo"]) == (
        "0000",
        first["tXid"],
        "8",
        ref,
    )
    assert (new["resultCd"], new["tXid"], new["status"], new["referenceNo"]) == (
        "0000",
        second["tXid"],
        "0",
        ref,
    )
    after_paid = requests.post(f"{base}{REG}", json=fresh(body), timeout=60).json()
    assert after_paid["resultCd"] == "9009" and "already paid" in after_paid["resultMsg"]
    assert second["tXid"] in after_paid["resultMsg"]
    assert Transaction.objects.filter(reference_no=ref).count() == 2
    assert not Notification.objects.filter(transaction__txid=first["tXid"], payload__status="0").exists()
