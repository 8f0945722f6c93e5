"""Issue 11, item 2: no customer page is reachable by tXid alone. Each URL carries a secret bound to
its transaction; a wrong or missing one shows nothing and counts as a miss for the client's
address; past the limit the address is refused, and parallel guesses cannot overshoot it."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from payments import customer_access, throttle
from payments.hosted import throttle as page_throttle
from payments.models import CheckoutSettings
from payments.services import checkout as checkout_service
from payments.services.registration import RegistrationData
from tests.support.data import make_txn

PERSONAL = ("Budi", "budi@example.com", "081234567890")


def address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def miss_key(client: Client) -> str:
    return page_throttle._key(client.defaults["REMOTE_ADDR"])


def checkout_txn(merchant):  # noqa: ANN001, ANN201
    data = RegistrationData(
        pay_method="00",
        mitra_cd="",
        currency="IDR",
        amount=45_000,
        reference_no=f"REF{uuid.uuid4().hex[:10]}",
        goods_name="Batik shirt",
        billing={
            "billing_name": "Budi Santoso",
            "billing_phone": "081234567890",
            "billing_email": "budi@example.com",
        },
        cart=tuple,
        db_process_url="http://127.0.0.1:9/notify",
        user_ip="127.0.0.1",
        fingerprint=uuid.uuid4().hex,
    )
    return checkout_service.checkout_register(merchant=merchant, data=data)


def test_the_token_is_bound_to_its_transaction_and_unforgeable(settings) -> None:
    a, b = "IONPAYTEST05202611301200001234", "IONPAYTEST05202611301200001235"
    assert customer_access.token_valid(a, customer_access.page_token(a))
    assert not customer_access.token_valid(b, customer_access.page_token(a))
    assert not customer_access.token_valid(a, "")
    old = customer_access.page_token(a)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" * 5, [settings.SECRET_KEY]
    assert customer_access.token_valid(a, old)  # links already sent survive a key rotation
    assert customer_access.page_token(a) != old


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["", "return", "cancel", "wait", "status", "method/DANA"])
def test_every_page_needs_the_token_and_shows_nothing_without_it(merchant, page) -> None:
    txn = make_txn(merchant, billing_name="Budi Santoso", billing_email="budi@example.com")
    client = Client(REMOTE_ADDR=address())
    for path in (
        f"/pay/{txn.txid}/{page}",  # the old, tXid-only form
        f"/pay/{txn.txid}/{'A' * 22}/{page}",  # a made-up token
        f"/pay/{txn.txid}/{customer_access.page_token(txn.txid)[:-1]}x/{page}",
    ):
        answer = client.get(path, follow=True)  # (the old form is redirected to "<path>/" first)
        assert answer.status_code == 404, path
        body = answer.content.decode()
        assert txn.reference_no not in body and not any(p in body for p in PERSONAL), path
        assert str(merchant.name) not in body


@pytest.mark.django_db
def test_misses_are_limited_per_address(merchant, settings) -> None:
    settings.CUSTOMER_PAGE_MISS_LIMIT = 5
    txn = make_txn(merchant)
    good = customer_access.page_path(txn.txid, "status")
    guesser, shopper = Client(REMOTE_ADDR=address()), Client(REMOTE_ADDR=address())
    for n in range(5):
        assert guesser.get(f"/pay/{txn.txid[:-4]}{n:04d}/{'B' * 22}/status").status_code == 404
    assert guesser.get(f"/pay/{txn.txid}/{'B' * 22}/status").status_code == 429
    assert shopper.get(good).status_code == 200  # other addresses are not affected
    for _ in range(10):  # hits are never counted: a shopper may reload freely
        assert shopper.get(good).status_code == 200
    assert throttle.peek(miss_key(shopper)) == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_overshoot_the_limit(merchant, settings) -> None:
    settings.CUSTOMER_PAGE_MISS_LIMIT = 20
    txn = make_txn(merchant)
    addr = address()
    answers: list[int] = []
    start = threading.Barrier(40)

    def guess(n: int) -> None:
        client = Client(REMOTE_ADDR=addr)
        start.wait()
        answers.append(client.get(f"/pay/{txn.txid}/{n:022d}/status").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [404] * 20 + [429] * 20


@pytest.mark.django_db
def test_nicepay_entry_by_txid_only_opens_checkouts_and_can_be_refused(merchant) -> None:
    client = Client(REMOTE_ADDR=address())
    direct = make_txn(merchant)
    assert client.get(f"/nicepay/redirect/v2/payment?tXid={direct.txid}").status_code == 404
    txn = checkout_txn(merchant)
    answer = client.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}")
    assert answer.status_code == 302 and answer["Location"] == customer_access.page_path(txn.txid)
    signed = f"/nicepay/redirect/v2/payment/{customer_access.page_token(txn.txid)}?tXid={txn.txid}"
    assert client.get(signed)["Location"] == customer_access.page_path(txn.txid)
    wrong = f"/nicepay/redirect/v2/payment/{'C' * 22}?tXid={txn.txid}"
    assert client.get(wrong).status_code == 404

    CheckoutSettings.objects.create(merchant=merchant, accept_txid_only_links=False)
    refused = client.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}")
    assert refused.status_code == 403 and "Budi" not in refused.content.decode()
    assert client.get(signed).status_code == 302  # the signed paymentURL still works


@pytest.mark.django_db
def test_a_txid_only_link_stops_opening_the_page_once_paying_started(merchant) -> None:
    """Issue 10: nothing a stranger can reach is unlocked by the tXid alone. The tXid-only link
    hands out the page (which can abandon the attempt) only until someone starts paying, and then
    only to the browser that opened it before."""
    from django.utils import timezone

    from payments.models import Transaction

    txn = checkout_txn(merchant)
    entry = f"/nicepay/redirect/v2/payment?tXid={txn.txid}"
    shopper = Client(REMOTE_ADDR=address())
    opened = shopper.get(entry)
    assert opened.status_code == 302 and opened["Location"] == customer_access.page_path(txn.txid)
    cookie = opened.cookies[f"pl_claim_{txn.txid}"]
    assert (
        cookie["httponly"]
        and cookie["path"] == "/nicepay/redirect/v2/payment"
        and cookie["samesite"] == "Lax"
    )
    assert "no-store" in opened["Cache-Control"]  # it carries the page secret
    early = Client(REMOTE_ADDR=address())
    assert early.get(entry).status_code == 302  # nobody is paying yet: anyone may still open it

    Transaction.objects.filter(pk=txn.pk).update(payment_started_at=timezone.now())
    stranger = Client(REMOTE_ADDR=address())
    refused = stranger.get(entry, HTTP_ACCEPT_LANGUAGE="en")
    body = refused.content.decode()
    assert refused.status_code == 409 and "opened in another browser or app" in body
    assert customer_access.page_token(txn.txid) not in body and not any(p in body for p in PERSONAL)
    assert "Location" not in refused
    assert (
        "Pembayaran ini dibuka di browser atau aplikasi lain"
        in stranger.get(entry, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    )
    again = shopper.get(entry)  # the browser that opened it keeps its page
    assert again.status_code == 302 and again["Location"] == customer_access.page_path(txn.txid)

    forged = Client(REMOTE_ADDR=address())
    other = checkout_txn(merchant)
    for value in ("C" * 22, customer_access.page_token(other.txid)):  # made up, or another payment's
        forged.cookies[f"pl_claim_{txn.txid}"] = value
        assert forged.get(entry).status_code == 409


@pytest.mark.django_db
def test_a_txid_only_link_to_an_ended_or_replaced_attempt_is_not_handed_out(merchant) -> None:
    from payments.selectors.checkout import checkout_untouched

    txn = checkout_txn(merchant)
    assert checkout_untouched(txn=txn)
    checkout_service.checkout_abandon_attempt(txn=txn)
    txn.refresh_from_db()
    assert not checkout_untouched(txn=txn)
    assert (
        Client(REMOTE_ADDR=address()).get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}").status_code == 409
    )
    newer = checkout_service.checkout_new_attempt(txn=txn)
    assert newer.pk != txn.pk and not checkout_untouched(txn=newer)  # paying was started before
    assert not checkout_untouched(txn=txn)  # an older attempt's tXid never opens the newer one


@pytest.mark.django_db
def test_a_txid_only_link_never_hands_out_the_attempt_try_another_method_made(merchant) -> None:
    """Once an attempt ended, someone has started paying this checkout: the attempt "try another
    method" makes belongs to the shopper on the page, and its tXid, as guessable as the first (the
    same iMid, the time, a counter), hands its page to no stranger while the shopper chooses."""
    txn = checkout_txn(merchant)
    shopper = Client(REMOTE_ADDR=address())
    assert shopper.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}").status_code == 302
    checkout_service.checkout_abandon_attempt(txn=txn)
    txn.refresh_from_db()
    newer = checkout_service.checkout_new_attempt(txn=txn)
    stranger = Client(REMOTE_ADDR=address())
    refused = stranger.get(f"/nicepay/redirect/v2/payment?tXid={newer.txid}")
    assert refused.status_code == 409 and "Location" not in refused
    assert customer_access.page_token(newer.txid) not in refused.content.decode()
    assert f"pl_claim_{newer.txid}" not in refused.cookies
    # The shopper's own browser still reaches the order through the tXid it was given.
    again = shopper.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}")
    assert again.status_code == 302 and again["Location"] == customer_access.page_path(txn.txid)


@pytest.mark.django_db
def test_the_hosted_page_shows_no_personal_data(merchant) -> None:
    txn = checkout_txn(merchant)
    page = Client(REMOTE_ADDR=address()).get(customer_access.page_path(txn.txid))
    body = page.content.decode()
    assert page.status_code == 200 and "Rp 45.000" in body and "Batik shirt" in body
    assert not any(p in body for p in PERSONAL)


@pytest.mark.django_db
def test_the_account_link_return_needs_its_own_secret(merchant) -> None:
    from payments.models import AccountLink

    link = AccountLink.objects.create(
        merchant=merchant,
        mitra_cd="ASTR",
        reference_no="LNK1",
        mandate_id=f"{merchant.imid}20261130120000123456",
        billing_name="Budi Santoso",
        billing_phone="081234567890",
        billing_email="budi@example.com",
        db_process_url="http://127.0.0.1:9/notify",
    )
    client = Client(REMOTE_ADDR=address())
    for path in (f"/link/{link.mandate_id}/finish", f"/link/{link.mandate_id}/{'D' * 22}/finish"):
        answer = client.get(path, follow=True)
        body = answer.content.decode()
        assert (
            answer.status_code == 404 and not any(p in body for p in PERSONAL) and merchant.name not in body
        )
    # a tXid's page secret does not open an account link that happens to share the string
    assert (
        client.get(
            f"/link/{link.mandate_id}/{customer_access.page_token(link.mandate_id)}/finish"
        ).status_code
        == 404
    )
    page = client.get(customer_access.link_finish_path(link.mandate_id))
    assert page.status_code == 200 and "Waiting for AstraPay" in page.content.decode()


@pytest.mark.django_db
def test_a_right_secret_is_served_to_an_address_past_its_limit(merchant, settings) -> None:
    """A neighbour behind the same carrier address guessing pages cannot lock out a paying
    shopper: past the limit misses are refused, the shopper's signed pages still open."""
    settings.CUSTOMER_PAGE_MISS_LIMIT = 5
    txn = checkout_txn(merchant)
    shared = Client(REMOTE_ADDR=address())
    for n in range(3):
        assert shared.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid[:-4]}Z{n:03d}").status_code == 404
    for n in range(2):
        assert shared.get(f"/pay/{txn.txid}/{n:022d}/return").status_code == 404
    assert shared.get(f"/pay/{txn.txid}/{'B' * 22}/").status_code == 429
    assert shared.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid[:-4]}Z999").status_code == 429

    for page in ("", "return", "status", "wait"):
        answer = shared.get(customer_access.page_path(txn.txid, page))
        assert answer.status_code in (200, 302), (page, answer.status_code)  # return may move on
        assert b"Too many attempts" not in answer.content
    signed = f"/nicepay/redirect/v2/payment/{customer_access.page_token(txn.txid)}?tXid={txn.txid}"
    assert shared.get(signed)["Location"] == customer_access.page_path(txn.txid)
    # a tXid alone is guessable: its hits would confirm guesses, so it stays refused while blocked
    assert shared.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}").status_code == 429
    assert throttle.peek(miss_key(shared)) == 5


@pytest.mark.django_db
def test_misses_past_the_limit_neither_count_nor_extend_the_window(merchant, settings) -> None:
    settings.CUSTOMER_PAGE_MISS_LIMIT, settings.CUSTOMER_PAGE_MISS_WINDOW = 3, 600
    txn = make_txn(merchant)
    guesser = Client(REMOTE_ADDR=address())
    key = throttle.PREFIX + miss_key(guesser)
    for n in range(3):
        assert guesser.get(f"/pay/{txn.txid}/{n:022d}/status").status_code == 404
    redis = cache._cache.get_client(key)
    redis.expire(cache.make_and_validate_key(key), 5)  # as if the window were nearly over
    for n in range(30):
        assert guesser.get(f"/pay/{txn.txid}/{n:022d}/status").status_code == 429
        assert guesser.get(f"/l/{'x' * 20}{n}").status_code == 429
    assert throttle.peek(miss_key(guesser)) == 3
    assert 0 < redis.ttl(cache.make_and_validate_key(key)) <= 5  # the window still ends on time


@pytest.mark.django_db(transaction=True)
def test_parallel_shoppers_and_guessers_on_one_address(merchant, settings) -> None:
    settings.CUSTOMER_PAGE_MISS_LIMIT = 10
    txn = make_txn(merchant)
    addr, good = address(), customer_access.page_path(txn.txid, "status")
    answers: dict[str, list[int]] = {"miss": [], "hit": []}
    start = threading.Barrier(40)

    def call(n: int) -> None:
        client = Client(REMOTE_ADDR=addr)
        start.wait()
        if n % 2:
            answers["hit"].append(client.get(good).status_code)
        else:
            answers["miss"].append(client.get(f"/pay/{txn.txid}/{n:022d}/status").status_code)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers["hit"] == [200] * 20
    assert sorted(answers["miss"]) == [404] * 10 + [429] * 10


@pytest.mark.django_db
def test_a_chosen_method_closes_the_txid_only_link_even_if_the_partner_never_answered(merchant) -> None:
    """A partner that did not answer leaves no payment step behind, but the shopper chose a
    method (their phone or delivery details are on the attempt): strangers stay out."""
    from payments.models import TransactionEvent
    from payments.selectors.checkout import METHOD_CHOSEN, checkout_untouched

    txn = checkout_txn(merchant)
    TransactionEvent.objects.create(
        transaction=txn, kind=TransactionEvent.Kind.NOTE, source="customer", idempotency_key=METHOD_CHOSEN
    )
    assert not checkout_untouched(txn=txn)
    assert (
        Client(REMOTE_ADDR=address()).get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}").status_code == 409
    )


@pytest.mark.django_db
def test_the_signed_link_also_lets_its_browser_use_the_txid_only_link_later(merchant) -> None:
    """A shopper who opened our signed paymentURL, then is sent the tXid-only link by the shop
    after paying started, still gets the page in that browser."""
    from django.utils import timezone

    from payments.models import Transaction

    txn = checkout_txn(merchant)
    shopper = Client(REMOTE_ADDR=address())
    signed = shopper.get(
        f"/nicepay/redirect/v2/payment/{customer_access.page_token(txn.txid)}?tXid={txn.txid}"
    )
    assert signed.status_code == 302 and "no-store" in signed["Cache-Control"]
    assert signed.cookies[f"pl_claim_{txn.txid}"]["path"] == "/nicepay/redirect/v2/payment"
    Transaction.objects.filter(pk=txn.pk).update(payment_started_at=timezone.now())
    again = shopper.get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}")
    assert again.status_code == 302 and again["Location"] == customer_access.page_path(txn.txid)
    assert (
        Client(REMOTE_ADDR=address()).get(f"/nicepay/redirect/v2/payment?tXid={txn.txid}").status_code == 409
    )
