"""Every page this change added, for each role: who may read it, who may act, and that it only ever
shows the member's own merchant. The other merchant's rows carry a marker that must never appear, and
other amounts, fees and refunds on the same day and partner: a leak would change every figure (totals
of the Balance, the settlement lines and files, the refunds and webhook lists)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from payments.models import Notification, NotificationAttempt
from tests.factories import MerchantFactory
from tests.support.dashboard import PASSWORD, cancel, member, txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]
MARKER = "OTHER-MERCHANT-MARKER"
PAGES = [
    "/dashboard/balance/",
    "/dashboard/balance/?period=custom&from=2020-01-01&to=2020-12-31",
    "/dashboard/settlements/",
    "/dashboard/settlements/export.csv",
    "/dashboard/settlements/export.xlsx",
    "/dashboard/refunds/",
    "/dashboard/refunds/export.csv",
    "/dashboard/notifications/",
    "/dashboard/notifications/?outcome=failed",
    "/dashboard/account/",
    "/dashboard/account/two-factor/",
    "/dashboard/?period=7d",
    "/dashboard/transactions/?refunds=partial",
]
ACTIONS = {  # path -> roles allowed
    "/dashboard/notifications/test": {"developer", "owner"},
    "/dashboard/team/two-factor": {"owner"},
    "/dashboard/developers/key/retire-previous": {"owner"},
}


# Same partner, same day; only the money differs. Mine: 40,000 paid, fee 600, 5,000 refunded.
MINE = {"amount": 40_000, "fee": 600, "refund": 5_000}
OTHER = {"amount": 73_910, "fee": 1_234, "refund": 7_777}
OTHER_FIGURES = ("73.910", "73910", "1.234", "1234", "7.777", "7777", "66.133", "66133", "68.899", "68899")


@pytest.fixture
def world():
    mine, other = MerchantFactory(), MerchantFactory()
    now = timezone.now()
    for merchant, name, money in ((mine, "Own Customer", MINE), (other, MARKER, OTHER)):
        t = txn(
            merchant,
            status="0",
            billing_name=name,
            amount=money["amount"],
            fee=money["fee"],
            paid_at=now,
            cancelled_amount=money["refund"],
        )
        cancel(t, money["refund"], reason=name)
        note = Notification.objects.create(
            merchant=merchant, transaction=t, url=f"http://127.0.0.1:9/{name}", payload={}, state="failed"
        )
        NotificationAttempt.objects.create(
            notification=note,
            merchant=merchant,
            started_at=now,
            finished_at=now,
            http_status=500,
            response_excerpt=name,
        )
    return mine, other


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_every_new_page_reads_for_each_role_and_only_its_merchant(client, world, role):
    mine, _ = world
    client.force_login(member(mine, role).user)
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, (role, path, answer.status_code)
        assert MARKER.encode() not in answer.content, (role, path)
    assert b"Own Customer" in client.get("/dashboard/refunds/").content


def _text(answer) -> str:  # noqa: ANN001
    assert answer.status_code == 200
    return answer.content.decode()


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _testid(html: str, name: str) -> str:
    return _words(re.search(rf'data-testid="{name}"[^>]*>(.*?)</(p|td)>', html, re.S).group(1))


def _assert_no_other(text: str, other, where: str) -> None:  # noqa: ANN001
    assert MARKER not in text and other.imid not in text, where
    for figure in OTHER_FIGURES:
        assert figure not in text, (where, figure)


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_balance_and_settlements_show_only_the_members_figures(client, world, role):
    mine, other = world
    client.force_login(member(mine, role).user)

    balance = _text(client.get("/dashboard/balance/"))
    shown = {k: _testid(balance, k) for k in ("gross", "fees", "refunds", "net")}
    assert shown == {"gross": "Rp 40.000", "fees": "Rp 600", "refunds": "Rp 5.000", "net": "Rp 34.400"}
    _assert_no_other(balance, other, "balance")

    page = _text(client.get("/dashboard/settlements/"))
    body = re.search(r'<table id="settlement-table".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    lines = re.findall(r"<tr .*?</tr>", body, re.S)
    assert len(lines) == 1
    cells = [_words(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", lines[0], re.S)]
    assert cells[2:7] == ["1", "Rp 40.000", "Rp 600", "Rp 5.000 (1)", "Rp 34.400"]
    assert _testid(page, "total-net") == "Rp 34.400"
    _assert_no_other(page, other, "settlements")

    text = _text(client.get("/dashboard/settlements/export.csv"))
    rows = list(csv.reader(io.StringIO(text)))
    # One line for the day, then the total line.
    assert [r[3:9] for r in rows[1:]] == [["1", "40000", "600", "1", "5000", "34400"]] * 2
    assert rows[-1][0] == "Total"
    _assert_no_other(text, other, "settlement csv")

    answer = client.get("/dashboard/settlements/export.xlsx")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert mine.imid in values[0][0] and other.imid not in values[0][0]
    assert [r[3:9] for r in values[2:]] == [[1, 40_000, 600, 1, 5_000, 34_400]] * 2
    _assert_no_other(" ".join(str(v) for r in values for v in r if v is not None), other, "settlement xlsx")


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_refunds_and_webhook_log_show_only_the_members_rows(client, world, role):
    mine, other = world
    client.force_login(member(mine, role).user)
    own = mine.transactions.get()

    page = _text(client.get("/dashboard/refunds/"))
    assert re.findall(r'<tr data-txid="([^"]+)"', page) == [own.txid]
    assert _words(re.search(r'data-label="Amount"[^>]*>(.*?)</td>', page, re.S).group(1)) == "Rp 5.000"
    _assert_no_other(page, other, "refunds")

    text = _text(client.get("/dashboard/refunds/export.csv"))
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [(r["tXid"], r["amount"], r["remainingAmount"]) for r in lines] == [(own.txid, "5000", "35000")]
    _assert_no_other(text, other, "refunds csv")

    for path in ("/dashboard/notifications/", "/dashboard/notifications/?outcome=failed"):
        log = _text(client.get(path))
        attempts = re.findall(r'<details class="attempt".*?</details>', log, re.S)
        assert len(attempts) == 1, path
        assert own.txid in attempts[0] and "Own Customer" in attempts[0], path
        _assert_no_other(log, other, path)


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_actions_are_refused_to_roles_without_them(client, world, role):
    mine, _ = world
    client.force_login(member(mine, role).user)
    for path, allowed in ACTIONS.items():
        answer = client.post(path, {"password": PASSWORD, "required": "0"})
        if role in allowed:
            assert answer.status_code != 403, (role, path)
        else:
            assert answer.status_code == 403, (role, path)
    other = member(MerchantFactory(), "viewer")
    answer = client.post(f"/dashboard/team/members/{other.pk}/remove")
    assert answer.status_code == (302 if role == "owner" else 403)
    assert other.__class__.objects.filter(pk=other.pk).exists()  # another merchant's member: untouched


def test_anonymous_is_sent_to_sign_in(world):
    client = Client()
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/dashboard/login/"), path
