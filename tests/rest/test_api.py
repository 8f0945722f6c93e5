"""The merchant REST API: auth, scoping, filters, cursor pagination, actions, one error shape."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import AuditLog, Notification
from tests.support.rest import basic, make_notification, make_txn

pytestmark = pytest.mark.django_db


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


# --- authentication ----------------------------------------------------------------------------
def test_no_credentials_is_401_with_challenge(shop):
    resp = APIClient().get("/api/v1/transactions")
    assert_error(resp, 401, "not_authenticated")
    assert resp["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize(
    "header",
    [
        "wrong-key",
        "unknown-imid",
        "no-colon",
        "garbage",
        "bearer",
        "inactive",
    ],
)
def test_bad_credentials_are_401_and_never_echo_the_key(shop, header):
    merchant, key = shop
    values = {
        "wrong-key": basic(merchant.imid, key[:-2] + "xx"),
        "unknown-imid": basic("NOSUCHMID", key),
        "no-colon": "Basic " + base64.b64encode(merchant.imid.encode()).decode(),
        "garbage": "Basic !!!not-base64!!!",
        "bearer": "Bearer " + key,
        "inactive": basic(merchant.imid, key),
    }
    if header == "inactive":
        merchant.is_active = False
        merchant.save(update_fields=["is_active"])
    resp = APIClient().get("/api/v1/transactions", HTTP_AUTHORIZATION=values[header])
    err = assert_error(resp, 401, "not_authenticated" if header == "bearer" else "authentication_failed")
    assert key not in resp.content.decode() and key[:20] not in err["message"]


def test_another_merchants_key_does_not_open_this_merchant(shop, rival):
    (merchant, _), (_, rival_key) = shop, rival
    resp = APIClient().get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, rival_key))
    assert_error(resp, 401, "authentication_failed")


# --- scoping -----------------------------------------------------------------------------------
def test_another_merchants_transaction_is_404_everywhere(api, rival):
    theirs = make_txn(rival[0])
    note = make_notification(theirs)
    mine = make_txn(api.merchant)
    assert_error(api.get(f"/api/v1/transactions/{theirs.txid}"), 404, "transaction_not_found")
    assert_error(api.post(f"/api/v1/transactions/{theirs.txid}/sync"), 404, "transaction_not_found")
    assert_error(api.get(f"/api/v1/notifications/{note.pk}"), 404, "notification_not_found")
    assert_error(api.post(f"/api/v1/notifications/{note.pk}/resend"), 404, "notification_not_found")
    listed = api.get("/api/v1/transactions").json()["results"]
    assert [t["tXid"] for t in listed] == [mine.txid]
    assert api.get("/api/v1/notifications").json()["results"] == []
    assert api.get(f"/api/v1/transactions?q={theirs.txid}").json()["results"] == []
    Notification.objects.filter(pk=note.pk).update(state="dead")
    now = timezone.now()
    replay = api.post(
        "/api/v1/notifications/replay",
        {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert replay.status_code == 202 and replay.json()["replayed"] == 0
    assert Notification.objects.get(pk=note.pk).state == "dead"


# --- list, filters, pagination ------------------------------------------------------------------
def test_list_shape_and_money_is_integer(api):
    txn = make_txn(api.merchant, amount=125000, status="0")
    resp = api.get("/api/v1/transactions")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"next", "previous", "results"}
    row = body["results"][0]
    assert row["tXid"] == txn.txid and row["amount"] == 125000 and isinstance(row["amount"], int)
    assert row["status"] == "0" and row["statusWord"] == "paid" and row["paidAt"]
    assert row["customer"] == {"name": "Budi Santoso", "phone": "081234567890", "email": "budi@example.com"}


def test_filters(api):
    now = timezone.now()
    m = api.merchant
    paid_ovo = make_txn(m, amount=50000, mitra_cd="OVOE", status="0", created_at=now - timedelta(days=3))
    failed_dana = make_txn(
        m,
        amount=20000,
        mitra_cd="DANA",
        status="8",
        name="Siti Rahma",
        email="siti@toko.id",
        phone="087711112222",
        created_at=now - timedelta(days=1),
    )
    open_shp = make_txn(m, amount=99000, mitra_cd="ESHP", created_at=now)

    def txids(query: str) -> list[str]:
        resp = api.get(f"/api/v1/transactions?{query}")
        assert resp.status_code == 200, resp.content
        return [t["tXid"] for t in resp.json()["results"]]

    assert txids("") == [open_shp.txid, failed_dana.txid, paid_ovo.txid]  # newest first
    assert txids("status=0") == [paid_ovo.txid]
    assert txids("mitraCd=DANA") == [failed_dana.txid]
    assert txids("amountMin=20000&amountMax=50000") == [failed_dana.txid, paid_ovo.txid]
    assert txids("amountMin=50001") == [open_shp.txid]
    from_ = (now - timedelta(days=2)).isoformat().replace("+", "%2B")
    to = (now - timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert txids(f"createdFrom={from_}&createdTo={to}") == [failed_dana.txid]
    assert txids("q=siti") == [failed_dana.txid]  # name, case-insensitive
    assert txids("q=toko.id") == [failed_dana.txid]  # e-mail
    assert txids("q=08771111") == [failed_dana.txid]  # phone
    assert txids(f"q={paid_ovo.txid}") == [paid_ovo.txid]
    assert txids(f"q={open_shp.reference_no}") == [open_shp.txid]
    assert txids("status=0&mitraCd=DANA") == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=7", "status"),
        ("mitraCd=XXXX", "mitraCd"),
        ("amountMin=-1", "amountMin"),
        ("amountMax=abc", "amountMax"),
        ("amountMin=99999999999999999999", "amountMin"),
        ("createdFrom=yesterday", "createdFrom"),
        ("q=" + "a" * 101, "q"),
        ("q=a%00b", "q"),
        ("stauts=0", "stauts"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("status=", "status"),
        ("q=", "q"),
        ("cursor=bogus", "cursor"),
        ("cursor=cD1nYXJiYWdl", "cursor"),
        ("cursor=cj0xJnA9AA%3D%3D", "cursor"),
        ("cursor=cD0xNzAwMDAwMDAw", "cursor"),
    ],
)
def test_bad_filters_are_400_with_the_field_named(api, query, field):
    make_txn(api.merchant)
    err = assert_error(api.get(f"/api/v1/transactions?{query}"), 400, "invalid")
    assert field in err["fields"], err


def test_cursor_pagination_walks_every_row_once_even_with_equal_timestamps(api):
    now = timezone.now()
    rows = [make_txn(api.merchant, created_at=now - timedelta(minutes=i // 3)) for i in range(11)]
    expected = [t.txid for t in sorted(rows, key=lambda t: (t.created_at, t.pk), reverse=True)]
    seen, url, pages = [], "/api/v1/transactions?limit=4", 0
    while url:
        resp = api.get(url)
        assert resp.status_code == 200
        body = resp.json()
        assert len(body["results"]) <= 4
        seen += [t["tXid"] for t in body["results"]]
        url, pages = body["next"], pages + 1
        if url:
            assert "cursor=" in url and "limit=4" in url
    assert seen == expected and pages == 3
    # a row created meanwhile does not shift the pages already handed out
    first = api.get("/api/v1/transactions?limit=4").json()
    make_txn(api.merchant)
    second = api.get(first["next"]).json()
    assert [t["tXid"] for t in second["results"]] == expected[4:8]
    back = api.get(second["previous"]).json()
    assert [t["tXid"] for t in back["results"]] == expected[:4]


def test_page_size_is_capped(api):
    for _ in range(3):
        make_txn(api.merchant)
    assert len(api.get("/api/v1/transactions?limit=100000").json()["results"]) == 3


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ("", 2),  # the merchant (Basic auth), one page of transactions
        ("status=0", 2),
        ("mitraCd=DANA&amountMin=1&amountMax=999999", 2),
        ("createdFrom=2020-01-01T00:00:00Z&status=9", 2),
        ("limit=7", 2),
        # + the two index lookups of the one search (tXid/referenceNo, then exact phone/e-mail)
        ("q=Budi", 4),
        ("q=example.com", 4),
    ],
)
def test_list_runs_a_fixed_number_of_queries(api, django_assert_num_queries, query, queries):
    """Issue 6: the REST list costs the same few queries whatever the number of rows, on the first
    page and when following `next` (no COUNT, no query per row)."""

    def walk_two_pages() -> int:
        with django_assert_num_queries(queries):
            first = api.get(f"/api/v1/transactions?{query}")
        assert first.status_code == 200, first.content
        body = first.json()
        if body["next"]:
            with django_assert_num_queries(queries):
                second = api.get(body["next"])
            assert second.status_code == 200 and second.json()["results"]
        return len(body["results"])

    for i in range(3):
        make_txn(api.merchant, mitra_cd="DANA" if i % 2 else "ESHP", status="0" if i % 3 else None)
    few = walk_two_pages()
    for i in range(120):
        make_txn(api.merchant, mitra_cd="DANA" if i % 2 else "ESHP", status="0" if i % 3 else None)
    many = walk_two_pages()
    assert 0 < few < many  # the same queries for more rows, and the filter really matched rows


def test_search_by_identifier_does_not_mix_in_contact_matches(api, django_assert_num_queries):
    """A tXid is looked up through its index; other rows are not OR-ed in (that would walk the
    merchant's every row to find one transaction)."""
    target = make_txn(api.merchant, name="Alpha")
    make_txn(api.merchant, name=f"Named {target.txid}")
    with django_assert_num_queries(3):
        resp = api.get(f"/api/v1/transactions?q={target.txid}")
    assert [t["tXid"] for t in resp.json()["results"]] == [target.txid]


def test_search_by_exact_phone_or_email_finds_just_those_rows_through_their_index(
    api, django_assert_num_queries
):
    """The dashboard's search and this one are the same selector: an exact phone or e-mail is
    looked up through its index and rows that merely contain it are not mixed in."""
    target = make_txn(api.merchant, phone="0812555", email="a@shop.id")
    longer = make_txn(api.merchant, phone="08125550", email="ba@shop.id")
    for term in ("0812555", "a@shop.id"):
        with django_assert_num_queries(4):
            resp = api.get("/api/v1/transactions", {"q": term})
        assert [t["tXid"] for t in resp.json()["results"]] == [target.txid], term
    both = api.get("/api/v1/transactions", {"q": "shop.id"}).json()["results"]  # a part: substring
    assert {t["tXid"] for t in both} == {target.txid, longer.txid}


# --- detail timeline -----------------------------------------------------------------------------
def test_detail_has_timeline_with_events_callbacks_and_attempts(api):
    from payments.models import PartnerCallback

    txn = make_txn(api.merchant, status="0")
    PartnerCallback.objects.create(
        mitra_cd="ESHP",
        path="/partners/ESHP/notify",
        headers={"X-Sig": "secret-sig"},
        body='{"sig": "secret-body"}',
        transaction=txn,
        outcome="applied",
    )
    note = txn.notifications.get()
    make_notification(txn, state="dead", attempts=2)
    resp = api.get(f"/api/v1/transactions/{txn.txid}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["tXid"] == txn.txid and body["status"] == "0"
    assert [(e["kind"], e["fromStatus"], e["toStatus"]) for e in body["events"]] == [
        ("status_changed", "9", "0")
    ]
    assert [c["outcome"] for c in body["partnerCallbacks"]] == ["applied"]
    assert "secret" not in resp.content.decode()  # raw partner headers/bodies stay with ops
    assert [n["id"] for n in body["notifications"]][0] == note.pk
    assert [len(n["attemptLog"]) for n in body["notifications"]] == [0, 2]
    assert body["notifications"][1]["attemptLog"][0]["httpStatus"] == 500


def test_unknown_txid_and_unknown_paths_are_404_in_the_shape(api):
    assert_error(api.get("/api/v1/transactions/NOPE000000000000000000000000"), 404, "transaction_not_found")
    assert_error(api.get("/api/v1/transactions/bad%00id"), 404, "not_found")
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.get("/api/v1/notifications/99999999999999999999999"), 404, "notification_not_found")


def test_wrong_method_is_405_in_the_shape(api):
    txn = make_txn(api.merchant)
    resp = api.delete(f"/api/v1/transactions/{txn.txid}")
    assert_error(resp, 405, "method_not_allowed")
    assert "GET" in resp["Allow"]
    assert_error(api.get(f"/api/v1/transactions/{txn.txid}/sync"), 405, "method_not_allowed")


def test_throttled_is_429_in_the_shape(api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"merchant": "3/min"}}
    for _ in range(3):
        assert api.get("/api/v1/transactions").status_code == 200
    resp = api.get("/api/v1/transactions")
    assert_error(resp, 429, "throttled")
    assert int(resp["Retry-After"]) > 0


def test_unexpected_error_is_500_in_the_shape_without_details(api, monkeypatch):
    from payments.rest import views

    def boom(**kw):
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(views, "transactions_search", boom)
    err = assert_error(api.get("/api/v1/transactions"), 500, "server_error")
    assert "hunter2" not in err["message"]


# --- notifications -------------------------------------------------------------------------------
def test_notification_list_filter_and_detail(api):
    txn = make_txn(api.merchant)
    failed = make_notification(txn, state="failed")
    dead = make_notification(txn, state="dead", attempts=3)
    delivered = make_notification(txn, state="delivered")
    all_ids = [n["id"] for n in api.get("/api/v1/notifications").json()["results"]]
    assert all_ids == [delivered.pk, dead.pk, failed.pk]
    assert [n["id"] for n in api.get("/api/v1/notifications?state=dead").json()["results"]] == [dead.pk]
    assert [n["tXid"] for n in api.get(f"/api/v1/notifications?tXid={txn.txid}").json()["results"]] == [
        txn.txid
    ] * 3
    detail = api.get(f"/api/v1/notifications/{dead.pk}").json()
    assert detail["state"] == "dead" and len(detail["attemptLog"]) == 3
    assert_error(api.get("/api/v1/notifications?state=lost"), 400, "invalid")


def test_resend_requeues_and_is_audited(api):
    txn = make_txn(api.merchant)
    dead = make_notification(txn, state="dead", attempts=8)
    resp = api.post(f"/api/v1/notifications/{dead.pk}/resend")
    assert resp.status_code == 202, resp.content
    assert resp.json()["state"] == "pending"
    dead.refresh_from_db()
    assert dead.state == "pending" and dead.next_attempt_at is not None
    log = AuditLog.objects.get(action="notification.resent")
    assert (
        log.actor_kind == "api" and log.merchant == api.merchant and log.target == f"notification:{dead.pk}"
    )
    assert log.detail == {"previous_state": "dead", "txid": txn.txid}


def test_replay_window_requeues_only_failed_and_dead_inside_it(api):
    now = timezone.now()
    txn = make_txn(api.merchant)
    inside_failed = make_notification(txn, state="failed", created_at=now - timedelta(hours=2))
    inside_dead = make_notification(txn, state="dead", created_at=now - timedelta(hours=1))
    inside_delivered = make_notification(txn, state="delivered", created_at=now - timedelta(hours=1))
    outside = make_notification(txn, state="dead", created_at=now - timedelta(days=3))
    body = {"since": (now - timedelta(days=1)).isoformat(), "until": now.isoformat()}
    resp = api.post("/api/v1/notifications/replay", body, format="json")
    assert resp.status_code == 202, resp.content
    assert resp.json()["replayed"] == 2
    states = dict(
        Notification.objects.filter(
            pk__in=[inside_failed.pk, inside_dead.pk, inside_delivered.pk, outside.pk]
        ).values_list("pk", "state")
    )
    assert states == {
        inside_failed.pk: "pending",
        inside_dead.pk: "pending",
        inside_delivered.pk: "delivered",
        outside.pk: "dead",
    }
    log = AuditLog.objects.get(action="notification.replayed")
    assert log.actor_kind == "api" and log.detail["replayed"] == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "since"),
        ({"since": "2024-05-02T00:00:00+07:00", "until": "2024-05-01T00:00:00+07:00"}, "until"),
        ({"since": "2024-01-01T00:00:00+07:00", "until": "2024-03-01T00:00:00+07:00"}, "until"),
        ({"since": "not a date", "until": "2024-03-01T00:00:00+07:00"}, "since"),
    ],
)
def test_replay_bad_input(api, body, field):
    err = assert_error(api.post("/api/v1/notifications/replay", body, format="json"), 400, "invalid")
    assert field in err["fields"]
    assert not AuditLog.objects.filter(action="notification.replayed").exists()


def test_replay_malformed_json_and_wrong_media_type(api):
    resp = api.generic("POST", "/api/v1/notifications/replay", "{not json", content_type="application/json")
    assert_error(resp, 400, "parse_error")
    resp = api.generic(
        "POST", "/api/v1/notifications/replay", "since=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(resp, 415, "unsupported_media_type")


def test_post_to_unknown_path_is_404_in_the_shape_not_a_csrf_page(api):
    assert_error(api.post("/api/v1/notifications/abc/resend"), 404, "not_found")
    assert_error(
        APIClient(enforce_csrf_checks=True).post("/api/v1/transactions/%C2%84/sync"), 404, "not_found"
    )


def test_wrong_key_is_counted_with_the_v2_bad_token_counter(shop):
    from django.core.cache import cache
    from django.utils import timezone

    merchant, key = shop
    for _ in range(2):
        APIClient().get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, "wrong"))
    assert cache.get(f"bad-token:{merchant.imid}:{timezone.now():%Y%m%d}") == 2


def test_guessing_one_imids_key_is_throttled_for_that_imid_from_that_address(shop, rival):
    from payments.rest.authentication import PER_IMID

    merchant, key = shop
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(PER_IMID.limit):
        assert (
            client.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, "x" * 88)).status_code
            == 401
        )
    # From now on even the right key for this iMid gets 429 from here: a guess can no longer be confirmed.
    assert_error(
        client.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, key)), 429, "throttled"
    )
    other = APIClient(REMOTE_ADDR="203.0.113.10")
    assert other.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, key)).status_code == 200
    # Another merchant behind the same address is not locked out by someone else's failures.
    rival_merchant, rival_key = rival
    ok = client.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(rival_merchant.imid, rival_key))
    assert ok.status_code == 200


def test_a_shared_address_keeps_working_for_valid_credentials(shop, rival):
    """Behind a proxy every merchant shares one address: 20+ bad sign-ins from others there (for
    other and unknown iMids) must not lock out a valid credential; their own failures get 429."""
    from payments.rest.authentication import PER_ADDRESS

    merchant, key = shop
    proxy = APIClient(REMOTE_ADDR="198.51.100.20")
    answers = [
        proxy.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(f"GUESS{i:05d}", "x" * 88)).status_code
        for i in range(PER_ADDRESS.limit + 5)
    ]
    assert answers[: PER_ADDRESS.limit] == [401] * PER_ADDRESS.limit and set(
        answers[PER_ADDRESS.limit :]
    ) == {429}
    assert proxy.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(merchant.imid, key)).status_code == 200
    rival_merchant, rival_key = rival
    bad = proxy.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(rival_merchant.imid, "y" * 88))
    assert_error(bad, 429, "throttled")  # a failure from the noisy address is throttled...
    good = proxy.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(rival_merchant.imid, rival_key))
    assert good.status_code == 200  # ...a valid credential is not
