"""Dashboard views with Django's test client: login and its throttle, transactions (filters, search,
keyset pages, CSV), detail actions by role, developers, team, and merchant isolation."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from payments.models import AuditLog, Invitation, Job, MerchantMember, Notification, Transaction
from payments.services.jobs import job_create
from tests.factories import MerchantFactory
from tests.support.dashboard import PASSWORD, member, txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_merchants():
    a, b = MerchantFactory(name="Alpha Shop"), MerchantFactory(name="Beta Shop")
    return a, b


def login(client, m: MerchantMember) -> None:
    client.force_login(m.user)


def test_login_page_and_sign_in(client, two_merchants):
    owner = member(two_merchants[0])
    page = client.get("/dashboard/login/")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    assert client.get("/dashboard/").status_code == 302
    answer = client.post("/dashboard/login/", {"username": owner.user.username, "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/dashboard/"
    assert b"Alpha Shop" in client.get("/dashboard/").content
    assert AuditLog.objects.filter(action="member.signed_in", merchant=two_merchants[0]).count() == 1


def test_the_site_root_leads_to_the_dashboard(client, two_merchants):
    """`make run` prints the root address: it leads to the dashboard's sign-in, not to a 404."""
    root = client.get("/")
    assert root.status_code == 302 and root["Location"] == "/dashboard/"
    assert client.get("/", follow=True).request["PATH_INFO"] == "/dashboard/login/"
    owner = member(two_merchants[0])
    client.post("/dashboard/login/", {"username": owner.user.username, "password": PASSWORD})
    assert b"Alpha Shop" in client.get("/", follow=True).content


def test_a_missing_dashboard_page_leads_back_to_the_dashboard_not_to_a_shop(client, two_merchants):
    """The merchant's team is not shopping: a wrong dashboard or docs address offers the way back to
    the dashboard (or the docs), not "go back to the shop"."""
    login(client, member(two_merchants[0], "viewer"))
    for path, home in (("/dashboard/transactions/NOPE/", "/dashboard/"), ("/docs/nope", "/docs/")):
        page = client.get(path)
        body = page.content.decode()
        assert page.status_code == 404 and "the shop" not in body, body
        assert re.search(rf'<a class="button[^"]*" href="{home}">', body), body


def test_a_wrong_test_payment_field_gets_its_own_message_and_keeps_what_was_typed(client, two_merchants):
    login(client, member(two_merchants[0], "developer"))
    page = client.post("/dashboard/sandbox/payment", {"mitra_cd": "ESHP", "amount": "12.5", "phone": "0812"})
    body = page.content.decode()
    assert page.status_code == 400
    assert re.search(r'id="id_amount"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_amount"', body)
    assert re.search(r'<p class="field-error" role="alert">Enter a whole number.</p>', body), body
    assert 'value="12.5"' in body and 'value="0812"' in body
    assert not Transaction.objects.exists()


def test_login_is_throttled_per_ip_and_username(client, two_merchants):
    owner = member(two_merchants[0])
    for _ in range(4):
        bad = client.post("/dashboard/login/", {"username": owner.user.username, "password": "wrong"})
        assert bad.status_code == 401 and b"not correct" in bad.content
    fifth = client.post("/dashboard/login/", {"username": owner.user.username, "password": "wrong"})
    assert fifth.status_code == 429 and b"Too many failed sign-in attempts" in fifth.content
    # Even the right password is refused while locked.
    locked = client.post("/dashboard/login/", {"username": owner.user.username, "password": PASSWORD})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # Another username from the same IP is not locked.
    other = member(two_merchants[0])
    ok = client.post("/dashboard/login/", {"username": other.user.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_user_without_membership_cannot_sign_in(client, django_user_model):
    django_user_model.objects.create_user("nobody@x.test", "nobody@x.test", PASSWORD)
    answer = client.post("/dashboard/login/", {"username": "nobody@x.test", "password": PASSWORD})
    assert answer.status_code == 401


def test_logout_needs_post(client, two_merchants):
    login(client, member(two_merchants[0]))
    assert client.get("/dashboard/logout/").status_code == 405
    assert client.post("/dashboard/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_transactions_filters_and_search(client, two_merchants):
    a, b = two_merchants
    login(client, member(a, "viewer"))
    paid = txn(
        a,
        status="0",
        mitra_cd="DANA",
        amount=50_000,
        billing_name="Siti Aminah",
        billing_email="siti@example.com",
        paid_at=timezone.now(),
    )
    txn(a, status="9", mitra_cd="ESHP", amount=20_000)
    other = txn(b, status="0", mitra_cd="DANA", amount=50_000, billing_name="Siti Aminah")

    def rows(**params) -> str:
        return client.get("/dashboard/transactions/", params).content.decode()

    assert paid.txid in rows(status="0") and other.txid not in rows(status="0")
    assert paid.txid not in rows(status="9")
    assert paid.txid in rows(partner="DANA") and paid.txid not in rows(partner="ESHP")
    assert paid.txid in rows(amount_min="40000", amount_max="60000")
    assert paid.txid not in rows(amount_min="60000")
    today = timezone.localdate().isoformat()
    assert paid.txid in rows(date_from=today, date_to=today)
    assert paid.txid not in rows(date_to=(timezone.localdate() - timedelta(days=1)).isoformat())
    for term in (paid.txid, paid.reference_no, "siti aminah", paid.billing_phone, "SITI@example.com"):
        found = rows(q=term)
        assert paid.txid in found and other.txid not in found, term
    assert "No transactions match" in rows(q="nobody-like-this")


def test_keyset_pages_cover_every_row_once(client, two_merchants):
    a, _ = two_merchants
    login(client, member(a))
    made = [txn(a) for _ in range(120)]
    # Same created_at for a block of rows: ties are broken by id.
    Transaction.objects.filter(pk__in=[t.pk for t in made[:60]]).update(created_at=timezone.now())
    seen: list[str] = []
    url = "/dashboard/transactions/"
    for _ in range(5):
        page = client.get(url)
        seen += [t.txid for t in page.context["page"].rows]
        cursor = page.context["page"].next_cursor
        if not cursor:
            break
        url = f"/dashboard/transactions/?cursor={cursor}"
    assert len(seen) == 120 and set(seen) == {t.txid for t in made}


def test_bad_cursor_is_ignored(client, two_merchants):
    login(client, member(two_merchants[0]))
    assert client.get("/dashboard/transactions/?cursor=%%%garbage").status_code == 200


@pytest.mark.parametrize(
    ("params", "queries", "totals"),
    [
        ({}, 4, 0),
        ({"status": "0"}, 4, 1),
        ({"partner": "DANA", "amount_min": "1"}, 4, 1),
        ({"date_from": "2020-01-01", "status": "9"}, 4, 1),
        # A search adds at most two cheap lookups (identifier, then exact phone/e-mail) whatever it matches.
        ({"q": "Customer"}, 6, 3),
        ({"q": "081234567890"}, 6, 3),
        ({"q": "ORD00000001", "status": "9"}, 6, 3),
    ],
)
def test_list_runs_a_fixed_number_of_queries(
    client, two_merchants, django_assert_num_queries, params, queries, totals
):
    a, _ = two_merchants
    login(client, member(a))
    for i in range(80):
        txn(a, status="0" if i % 2 else "9", mitra_cd="DANA" if i % 3 else "ESHP")
    # session, user, membership+merchant, one page of transactions; above the first page of a
    # filtered list its count and sums (one aggregate, after the search's own lookups)
    with django_assert_num_queries(queries + totals):
        page = client.get("/dashboard/transactions/", params)
    assert page.status_code == 200
    cursor = page.context["page"].next_cursor
    with django_assert_num_queries(queries + (0 if cursor else totals)):  # no cursor: the first page again
        client.get("/dashboard/transactions/", {**params, "cursor": cursor or ""})


def test_csv_export_streams_filtered_rows_of_own_merchant_only(client, two_merchants):
    a, b = two_merchants
    login(client, member(a, "viewer"))
    mine = [txn(a, status="0", paid_at=timezone.now()) for _ in range(3)] + [txn(a, status="9")]
    theirs = txn(b, status="0")
    txn(a, status="0", billing_name='=HYPERLINK("x")')
    answer = client.get("/dashboard/transactions/export.csv", {"status": "0"})
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    body = b"".join(answer.streaming_content).decode()
    table = list(csv.DictReader(io.StringIO(body)))
    ids = {r["tXid"] for r in table}
    assert {t.txid for t in mine[:3]} <= ids and mine[3].txid not in ids and theirs.txid not in ids
    assert all(r["status"] == "0" for r in table)
    assert any(r["billingName"].startswith("'=") for r in table)  # no formula injection
    assert AuditLog.objects.filter(action="transactions.exported", merchant=a).exists()


def test_export_job_writes_a_file_downloadable_only_by_its_merchant(client, two_merchants, settings):
    a, b = two_merchants
    owner = member(a)
    for _ in range(5):
        txn(a, status="0")
    txn(b, status="0")
    job = job_create(
        kind="export", merchant=a, user=owner.user, params={"filters": {"status": "0"}}, run_now=True
    )
    assert job.state == Job.State.DONE and job.total == 5 and job.result["rows"] == 5
    login(client, owner)
    status = client.get(f"/dashboard/jobs/{job.pk}/status").json()
    assert status["percent"] == 100 and status["download"]
    got = client.get(status["download"])
    body = b"".join(got.streaming_content).decode()
    assert got.status_code == 200 and body.count("\n") == 6
    client.logout()
    login(client, member(b))
    assert client.get(f"/dashboard/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/dashboard/jobs/{job.pk}/download").status_code == 404
    assert client.get(f"/dashboard/jobs/{job.pk}/status").status_code == 404


def test_isolation_pages_and_actions_by_guessed_ids(client, two_merchants):
    a, b = two_merchants
    theirs = txn(b, status="0", paid_at=timezone.now())
    note = Notification.objects.create(
        merchant=b, transaction=theirs, url="http://127.0.0.1:9/n", payload={"status": "0"}, state="dead"
    )
    inv = Invitation.objects.create(
        merchant=b,
        email="x@y.test",
        role="viewer",
        token_hash="h" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    their_member = member(b)
    login(client, member(a, "owner"))
    assert client.get(f"/dashboard/transactions/{theirs.txid}/").status_code == 404
    assert client.get("/dashboard/transactions/", {"q": theirs.txid}).context["page"].rows == []
    assert (
        client.post(
            f"/dashboard/transactions/{theirs.txid}/cancel",
            {"cancel_type": "1", "amount": theirs.amount, "idempotency_key": "k"},
        ).status_code
        == 404
    )
    assert client.post(f"/dashboard/transactions/{theirs.txid}/sync").status_code == 404
    assert client.post(f"/dashboard/transactions/{theirs.txid}/receipt").status_code == 404
    assert client.post(f"/dashboard/notifications/{note.pk}/resend").status_code == 404
    assert client.post(f"/dashboard/team/invitations/{inv.pk}/revoke").status_code == 302
    assert Invitation.objects.filter(pk=inv.pk).exists()
    client.post(f"/dashboard/team/members/{their_member.pk}/role", {"role": "viewer"})
    their_member.refresh_from_db()
    assert their_member.role == "owner"
    theirs.refresh_from_db()
    note.refresh_from_db()
    assert theirs.cancelled_amount == 0 and theirs.status == "0" and note.state == "dead"
    assert b"Beta Shop" not in client.get("/dashboard/notifications/").content
    csv_body = b"".join(client.get("/dashboard/transactions/export.csv").streaming_content).decode()
    assert theirs.txid not in csv_body


def test_viewer_cannot_act(client, two_merchants):
    a, _ = two_merchants
    t = txn(a, status="0", paid_at=timezone.now())
    note = Notification.objects.create(
        merchant=a, transaction=t, url="http://127.0.0.1:9/n", payload={"status": "0"}, state="dead"
    )
    login(client, member(a, "viewer"))
    detail = client.get(f"/dashboard/transactions/{t.txid}/").content.decode()
    assert "cancel-submit" not in detail and "sync-submit" not in detail and "Resend" not in detail
    assert "can look but not act" in detail
    posts = [
        (
            f"/dashboard/transactions/{t.txid}/cancel",
            {"cancel_type": "1", "amount": t.amount, "idempotency_key": "k"},
        ),
        (f"/dashboard/transactions/{t.txid}/sync", {}),
        (f"/dashboard/transactions/{t.txid}/receipt", {}),
        (f"/dashboard/notifications/{note.pk}/resend", {}),
        ("/dashboard/notifications/replay", {"since": "2020-01-01T00:00", "until": "2030-01-01T00:00"}),
        ("/dashboard/developers/key/reveal", {"password": PASSWORD}),
        ("/dashboard/developers/key/rotate", {"password": PASSWORD}),
        ("/dashboard/developers/notification-url", {"url": "https://x.test/n"}),
        ("/dashboard/developers/test-notification", {}),
        ("/dashboard/team/invite", {"email": "a@b.test", "role": "owner"}),
        ("/dashboard/sandbox/payment", {"mitra_cd": "ESHP", "amount": "10000", "phone": "0812"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    key_before = a.merchant_key_encrypted
    a.refresh_from_db()
    assert a.merchant_key_encrypted == key_before and not a.default_notification_url
    assert not Invitation.objects.exists() and not Job.objects.exists()


def test_developer_can_sync_but_not_cancel(client, two_merchants):
    a, _ = two_merchants
    t = txn(a, status="0", paid_at=timezone.now())
    login(client, member(a, "developer"))
    detail = client.get(f"/dashboard/transactions/{t.txid}/").content.decode()
    assert "sync-submit" in detail and "cancel-submit" not in detail
    assert (
        client.post(
            f"/dashboard/transactions/{t.txid}/cancel",
            {"cancel_type": "1", "amount": t.amount, "idempotency_key": "k"},
        ).status_code
        == 403
    )


def test_cancel_refusal_shows_the_reason(client, two_merchants):
    a, _ = two_merchants
    t = txn(a, status="8")
    login(client, member(a))
    answer = client.post(
        f"/dashboard/transactions/{t.txid}/cancel",
        {"cancel_type": "1", "amount": t.amount, "idempotency_key": "k1"},
        follow=True,
    )
    assert "cannot be cancelled: it is failed" in answer.content.decode()


def test_cancel_of_untouched_unpaid_voids_it(client, two_merchants):
    a, _ = two_merchants
    t = txn(a, status="9")
    login(client, member(a))
    answer = client.post(
        f"/dashboard/transactions/{t.txid}/cancel",
        {"cancel_type": "1", "amount": t.amount, "idempotency_key": "k2"},
        follow=True,
    )
    assert "Full cancel of" in answer.content.decode()
    t.refresh_from_db()
    assert t.status == "1"
    assert AuditLog.objects.filter(action="transaction.cancelled", target=f"transaction:{t.txid}").exists()


def test_key_reveal_needs_the_password_and_rotation_changes_the_key(client, two_merchants):
    a, _ = two_merchants
    owner = member(a)
    login(client, owner)
    old = a.merchant_key
    page = client.get("/dashboard/developers/").content.decode()
    assert old not in page and a.imid in page
    wrong = client.post("/dashboard/developers/key/reveal", {"password": "nope"})
    assert wrong.status_code == 403 and old not in wrong.content.decode()
    shown = client.post("/dashboard/developers/key/reveal", {"password": PASSWORD})
    assert old in shown.content.decode() and shown["Cache-Control"] == "no-store"
    rotated = client.post("/dashboard/developers/key/rotate", {"password": PASSWORD}).content.decode()
    a.refresh_from_db()
    assert a.merchant_key != old and a.merchant_key in rotated
    actions = set(AuditLog.objects.filter(merchant=a).values_list("action", flat=True))
    assert {"merchant.key_revealed", "merchant.key_rotated"} <= actions
    assert not any(
        old in str(d) or a.merchant_key in str(d) for d in AuditLog.objects.values_list("detail", flat=True)
    )


def test_reauth_is_throttled(client, two_merchants):
    owner = member(two_merchants[0])
    login(client, owner)
    for _ in range(5):
        client.post("/dashboard/developers/key/reveal", {"password": "nope"})
    locked = client.post("/dashboard/developers/key/reveal", {"password": PASSWORD})
    assert locked.status_code == 403 and "Too many wrong passwords" in locked.content.decode()
    # The same session from another address is locked too, and the key never shows.
    moved = client.post(
        "/dashboard/developers/key/reveal", {"password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert moved.status_code == 403 and "Too many wrong passwords" in moved.content.decode()
    assert two_merchants[0].merchant_key not in moved.content.decode()


def test_notification_url_and_test_notification(client, two_merchants):
    a, _ = two_merchants
    login(client, member(a))
    assert (
        client.post(
            "/dashboard/developers/notification-url", {"url": "http://127.0.0.1:9/notify"}
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.default_notification_url == "http://127.0.0.1:9/notify"
    result = client.post("/dashboard/developers/test-notification").content.decode()
    assert 'id="test-result"' in result and "Not delivered" in result  # nothing listens on port 9
    note = Notification.objects.get(merchant=a, kind="test")
    assert note.attempts == 1 and note.state == "failed"


def test_invitation_flow(client, two_merchants, settings):
    a, _ = two_merchants
    login(client, member(a))
    client.post("/dashboard/team/invite", {"email": "new.dev@alpha.test", "role": "developer"})
    page = client.get("/dashboard/team/")
    [message] = mail.outbox  # the link goes to the invitee's mailbox only
    link = re.search(rf"{re.escape(settings.PUBLIC_BASE_URL)}/dashboard/invite/\S+/", message.body).group(0)
    assert link not in page.content.decode()
    inv = Invitation.objects.get(merchant=a)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert inv.token_hash != token and len(inv.token_hash) == 64
    client.logout()
    accept = client.post(
        f"/dashboard/invite/{token}/", {"password": "a-long-password", "password2": "a-long-password"}
    )
    assert accept.status_code == 302
    joined = MerchantMember.objects.get(user__username="new.dev@alpha.test")
    assert joined.merchant == a and joined.role == "developer"
    assert client.get(f"/dashboard/invite/{token}/").status_code == 404  # used once


def test_the_last_owner_cannot_be_demoted(client, two_merchants):
    a, _ = two_merchants
    first, second = member(a), member(a)
    login(client, first)
    client.post(f"/dashboard/team/members/{second.pk}/role", {"role": "developer"})
    second.refresh_from_db()
    assert second.role == "developer"
    answer = client.post(f"/dashboard/team/members/{first.pk}/role", {"role": "viewer"}, follow=True)
    first.refresh_from_db()
    assert first.role == "owner" and "last owner" in answer.content.decode()


def test_overview_numbers(client, two_merchants):
    a, b = two_merchants
    now = timezone.now()
    txn(a, status="0", amount=30_000, paid_at=now, mitra_cd="DANA")
    txn(a, status="8", amount=10_000, mitra_cd="DANA")
    txn(b, status="0", amount=99_000, paid_at=now)
    login(client, member(a, "viewer"))
    page = client.get("/dashboard/")
    stats = page.context["stats"]
    assert (
        stats["today"]["count"] == 2 and stats["today"]["volume"] == 30_000 and stats["today"]["rate"] == 50.0
    )
    assert [p["mitra_cd"] for p in stats["by_partner"]] == ["DANA"]
    body = page.content.decode()
    assert body.count("<svg") == 3 and "Rp 30.000" in body


def test_overview_names_the_payments_whose_method_is_not_chosen_yet(client, two_merchants):
    """A hosted-checkout order has no partner until the shopper picks one: its row and bar say so
    instead of showing an empty name."""
    a, _ = two_merchants
    txn(a, status="0", amount=30_000, paid_at=timezone.now(), mitra_cd="DANA")
    txn(a, status="9", amount=10_000, mitra_cd="", pay_method="00")
    login(client, member(a, "viewer"))
    page = client.get("/dashboard/")
    assert sorted(p["mitra_cd"] for p in page.context["stats"]["by_partner"]) == ["", "DANA"]
    body = page.content.decode()
    assert "<tr><td></td>" not in body
    assert re.search(r"<tr><td>Method not chosen yet</td><td class=\"num\">1</td>", body)
    assert "Method not chosen yet: Rp 0, 1 payments" in body  # the chart's bar title


def test_overview_range_up_to_a_year_and_bad_ranges_get_a_field_message(client, two_merchants):
    a, _ = two_merchants
    now = timezone.now()
    txn(a, status="0", amount=30_000, paid_at=now, mitra_cd="DANA")
    old = txn(a, status="0", amount=50_000, paid_at=now, mitra_cd="DANA")
    # Registered 200 days ago: moved there with its rollup, as a rebuild would count it.
    Transaction.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=200))
    call_command("rollups_rebuild", imid=a.imid)
    login(client, member(a, "viewer"))
    year = client.get("/dashboard/?days=365")
    assert year.context["stats"]["days"] == 365 and len(year.context["stats"]["by_day"]) == 365
    assert year.context["stats"]["month"]["volume"] == 80_000 and "Last 365 days" in year.content.decode()
    # A year is drawn in weeks: 53 bars (the last a single day), the totals unchanged.
    bars = year.context["daily"]["volume"].bars
    assert len(bars) == 53 and sum(b.value for b in bars) == 80_000
    assert "Paid volume by week" in year.content.decode()
    month = client.get("/dashboard/")
    assert month.context["stats"]["days"] == 30 and month.context["stats"]["month"]["volume"] == 30_000
    assert len(month.context["daily"]["count"].bars) == 30 and "Payments by day" in month.content.decode()
    for bad in ("0", "367", "abc", "-5", "1e9"):
        page = client.get(f"/dashboard/?days={bad}")
        assert page.status_code == 200 and page.context["stats"]["days"] == 30, bad
        assert "The range must be a whole number of days from 1 to 366" in page.content.decode()


def test_replay_window_runs_as_a_job_scoped_to_the_merchant(client, two_merchants):
    from payments.services.jobs import job_run

    a, b = two_merchants
    mine = Notification.objects.create(
        merchant=a, url="http://127.0.0.1:9/n", payload={"status": "0"}, state="dead"
    )
    theirs = Notification.objects.create(
        merchant=b, url="http://127.0.0.1:9/n", payload={"status": "0"}, state="dead"
    )
    login(client, member(a, "developer"))
    page = client.get("/dashboard/notifications/").content.decode()
    assert f"/dashboard/notifications/{mine.pk}/resend" in page and f"/{theirs.pk}/resend" not in page
    since = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    until = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/dashboard/notifications/replay", {"since": since, "until": until})
    job = Job.objects.get(kind="replay")
    assert answer["Location"] == f"/dashboard/jobs/{job.pk}/"
    assert job.merchant == a and job.params["imid"] == a.imid
    job_run(job_id=job.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == "pending" and theirs.state == "dead"
    status = client.get(f"/dashboard/jobs/{job.pk}/status").json()
    assert status["state"] == "done" and status["percent"] == 100 and status["result"]["replayed"] == 1
    assert AuditLog.objects.filter(action="notification.replayed", merchant=a).exists()


def test_detail_page_queries_do_not_grow_with_events(client, two_merchants, django_assert_max_num_queries):
    from payments.models import NotificationAttempt, TransactionEvent

    a, _ = two_merchants
    t = txn(a, status="0", paid_at=timezone.now())
    for i in range(30):
        TransactionEvent.objects.create(transaction=t, kind="note", source="ops", idempotency_key=f"k{i}")
        note = Notification.objects.create(
            merchant=a,
            transaction=t,
            sequence=i,
            url="http://x.test/n",
            payload={"status": "0"},
            state="delivered",
        )
        NotificationAttempt.objects.create(notification=note, started_at=timezone.now(), http_status=200)
    login(client, member(a))
    with django_assert_max_num_queries(12):
        assert client.get(f"/dashboard/transactions/{t.txid}/").status_code == 200


def test_sandbox_page_shows_triggers_and_credentials(client, two_merchants):
    login(client, member(two_merchants[0], "developer"))
    page = client.get("/dashboard/sandbox/").content.decode()
    assert "…909" in page and "the partner&#x27;s create call answers 5xx" in page
    assert "Create a test payment" in page and 'id="test-payment-submit"' in page


def test_csrf_failure_is_a_finished_page(two_merchants):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    answer = strict.post("/dashboard/login/", {"username": "x", "password": "y"})
    body = answer.content.decode()
    assert answer.status_code == 403 and "This form has expired" in body and "payloan.css" in body
    assert "CSRF verification failed" not in body


def test_csv_with_a_broken_filter_is_refused(client, two_merchants):
    login(client, member(two_merchants[0]))
    txn(two_merchants[0])
    answer = client.get("/dashboard/transactions/export.csv", {"date_from": "not-a-date"})
    assert answer.status_code == 400 and "not valid" in answer.content.decode()


def test_export_job_with_a_broken_filter_is_refused_and_a_good_one_keeps_every_filter(client, two_merchants):
    login(client, member(two_merchants[0]))
    answer = client.post("/dashboard/transactions/export-job", {"status": "0", "amount_min": "abc"})
    assert answer.status_code == 400 and "not valid" in answer.content.decode()
    assert not Job.objects.filter(kind="export").exists()
    answer = client.post(
        "/dashboard/transactions/export-job", {"status": "0", "partner": "DANA", "q": " Budi "}
    )
    job = Job.objects.get(kind="export")
    assert answer["Location"] == f"/dashboard/jobs/{job.pk}/"
    assert job.params["filters"] == {"status": "0", "partner": "DANA", "q": "Budi"}
    client.post("/dashboard/transactions/export-job")  # no filter at all: everything
    assert Job.objects.filter(kind="export").latest("id").params["filters"] == {}


def test_search_by_identifier_phone_or_email_finds_just_that_row(
    client, two_merchants, django_assert_num_queries
):
    a, b = two_merchants
    login(client, member(a))
    rows = [txn(a) for _ in range(5)]
    theirs = txn(b)
    target = rows[2]
    # (+ the count and sums of the result: the search's lookups again, then one aggregate)
    for term, queries in ((target.txid, 5 + 2), (target.billing_phone, 6 + 3), (target.billing_email, 6 + 3)):
        with django_assert_num_queries(queries):
            page = client.get("/dashboard/transactions/", {"q": term})
        assert [t.txid for t in page.context["page"].rows] == [target.txid], term
    # Another merchant's phone finds nothing here.
    assert client.get("/dashboard/transactions/", {"q": theirs.billing_phone}).context["page"].rows == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"date_from": "2026-11-20", "date_to": "2026-11-10"},
            "To: &#x27;To&#x27; must be on or after &#x27;From&#x27;.",
        ),
        (
            {"amount_min": "50000", "amount_max": "1000"},
            "Max amount: &#x27;Max amount&#x27; must be at least",
        ),
    ],
)
def test_a_range_the_wrong_way_round_says_so_instead_of_an_empty_list(client, params, message):
    from tests.support.data import make_txn

    m = MerchantFactory()
    txn = make_txn(m)
    client.force_login(member(m, "viewer").user)
    body = client.get("/dashboard/transactions/", params).content.decode()
    assert "Some filters are not valid and were ignored" in body and message in body
    assert txn.txid in body  # the list is shown unfiltered, not emptied


@pytest.mark.parametrize(
    ("address", "page"),
    [
        ("/dashboard/links/new", "/dashboard/links/"),
        ("/dashboard/team/invite", "/dashboard/team/"),
        ("/dashboard/sandbox/payment", "/dashboard/sandbox/"),
    ],
)
def test_reloading_a_refused_forms_address_goes_back_to_its_page(client, address, page):
    """A refused form is answered at its POST address (HTTP 400, messages at the fields); the
    browser's reload or a shared address then GETs it: back to the form's page, not a 405."""
    m = MerchantFactory()
    client.force_login(member(m, "owner").user)
    answer = client.get(address)
    assert answer.status_code == 302 and answer["Location"] == page
    assert client.put(address).status_code == 405
