"""tXid allocation: a per-(merchant, payMethod, second) counter in the database, never a random draw."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from payments.exceptions import TxidSpaceExhausted
from payments.models import Transaction, TxidCounter
from payments.services import txids
from payments.services.txids import txid_allocate
from tests.support import flows

# 2026-03-01 10:00:05 in Jakarta (UTC+7)
T0 = datetime(2026, 3, 1, 3, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T0}
    monkeypatch.setattr(txids.clock.timezone, "now", lambda: now["t"])
    return now


def test_counts_up_within_a_second_and_restarts_in_the_next(db, clock) -> None:
    first = [txid_allocate(imid="IONPAYTEST", pay_method="05") for _ in range(3)]
    assert first == [f"IONPAYTEST0520260301100005{n:04d}" for n in range(3)]
    # Each merchant and payMethod counts on its own.
    assert txid_allocate(imid="IONPAYTEST", pay_method="06") == "IONPAYTEST06202603011000050000"
    assert txid_allocate(imid="PAYLOANT02", pay_method="05") == "PAYLOANT020520260301100005" + "0000"
    clock["t"] = T0.replace(second=6)
    assert txid_allocate(imid="IONPAYTEST", pay_method="05") == "IONPAYTEST0520260301100006" + "0000"
    assert TxidCounter.objects.count() == 3  # one row per merchant and payMethod, never per second


def test_a_lagging_clock_continues_the_latest_second_instead_of_reusing_an_earlier_one(db, clock) -> None:
    clock["t"] = T0.replace(second=6)
    assert txid_allocate(imid="IONPAYTEST", pay_method="05").endswith("100006" + "0000")
    clock["t"] = T0  # another web node, a moment behind
    assert txid_allocate(imid="IONPAYTEST", pay_method="05").endswith("100006" + "0001")


def test_shape_short_imid_is_padded_and_keyed_padded(db, clock) -> None:
    txid = txid_allocate(imid="SHORT", pay_method="05")
    assert len(txid) == 30 and re.fullmatch(r"SHORT0000005\d{18}", txid)
    assert txid_allocate(imid="SHORT00000", pay_method="05").endswith("0001")


def test_the_ten_thousandth_and_later_in_one_second_are_refused(db, clock) -> None:
    TxidCounter.objects.create(imid="IONPAYTEST", pay_method="05", second="20260301100005", last=9_998)
    assert txid_allocate(imid="IONPAYTEST", pay_method="05").endswith("9999")
    for _ in range(2):
        with pytest.raises(TxidSpaceExhausted):
            txid_allocate(imid="IONPAYTEST", pay_method="05")
    clock["t"] = T0.replace(second=6)
    assert txid_allocate(imid="IONPAYTEST", pay_method="05").endswith("100006" + "0000")


def test_v2_registration_answers_9006_when_the_second_is_full_and_stores_nothing(
    client, demo_merchant
) -> None:
    # A counter already in a later second (another node's clock) with every suffix taken.
    TxidCounter.objects.create(imid="IONPAYTEST", pay_method="05", second="20991231235959", last=9_999)
    body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url="http://127.0.0.1:9/n")
    resp = client.post("/nicepay/direct/v2/registration", json.dumps(body), content_type="application/json")
    data = resp.json()
    assert data["resultCd"] == "9006" and "retry" in data["resultMsg"], data
    assert resp.status_code == 200 and "tXid" not in data  # V2 answers HTTP 200 (contract.md)
    assert not Transaction.objects.filter(reference_no=body["referenceNo"]).exists()
