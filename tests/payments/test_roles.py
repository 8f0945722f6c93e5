"""Every role against every action, on every door. The merchantKey signs V2 cancels and is the REST
API's password, so seeing it is money-moving power: only owners reveal or rotate it, like only
owners cancel. The table below is docs/security.md's role table; the test is the proof of it."""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from payments import clock
from payments.models import CheckoutSettings, Invitation, Job, MerchantMember, Notification, PaymentLink
from payments.selectors.merchants import api_credential_get
from payments.services import api_credentials
from payments.services.audit import SYSTEM
from tests.factories import MerchantFactory
from tests.support import snap
from tests.support.dashboard import PASSWORD, member, txn
from tests.support.rest import basic

pytestmark = pytest.mark.django_db
ROLES = ("viewer", "developer", "owner")
Y, N = True, False
# action -> (viewer, developer, owner)
TABLE: dict[str, tuple[bool, bool, bool]] = {
    "read pages and exports": (Y, Y, Y),
    "sync with the partner": (N, Y, Y),
    "resend a notification": (N, Y, Y),
    "replay notifications": (N, Y, Y),
    "send a test notification": (N, Y, Y),
    "make a sandbox test payment": (N, Y, Y),
    "create or stop payment links": (N, Y, Y),
    "hosted checkout settings": (N, N, Y),
    "cancel or refund": (N, N, Y),
    "confirm receipt (release funds)": (N, N, Y),
    "reveal the merchantKey": (N, N, Y),
    "rotate the merchantKey": (N, N, Y),
    "reveal the SNAP client secret": (N, N, Y),
    "rotate the SNAP client secret": (N, N, Y),
    "replace the SNAP public key": (N, N, Y),
    "set the notification URL": (N, N, Y),
    "manage the team": (N, N, Y),
}
_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    cache.clear()
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # partners and our own API unreachable: no I/O
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    monkeypatch.setattr("payments.services.merchants.notification_deliver", lambda **kw: None)
    yield
    cache.clear()


class Shop:
    """A merchant with one member of the role under test and the rows every action needs."""

    def __init__(self, role: str) -> None:
        self.merchant = MerchantFactory(
            name=f"Role Shop {next(_n)}", default_notification_url="https://shop.test/n"
        )
        self.key = self.merchant.merchant_key
        self.member = member(self.merchant, role)
        self.other = member(self.merchant, "viewer")
        self.unpaid = txn(self.merchant, status="9")
        self.paid = txn(self.merchant, status="0", paid_at=timezone.now(), mitra_cd="AKLP", pay_method="06")
        self.dead = Notification.objects.create(
            merchant=self.merchant,
            transaction=self.paid,
            url="http://127.0.0.1:9/n",
            payload={},
            state="dead",
        )
        self.invitation = Invitation.objects.create(
            merchant=self.merchant,
            email="someone@shop.test",
            role="viewer",
            token_hash=hashlib.sha256(str(next(_n)).encode()).hexdigest(),
            expires_at=timezone.now() + timedelta(days=1),
        )
        self.client = Client()
        self.client.force_login(self.member.user)


def attempt(shop: Shop, action: str) -> bool:
    """Try `action` on the dashboard; True when it was done (checked on its effect, not only on the
    answer), False when it was refused with a 403 and left no trace."""
    c, m = shop.client, shop.merchant
    if action == "read pages and exports":
        pages = ["/dashboard/", "/dashboard/transactions/", f"/dashboard/transactions/{shop.paid.txid}/"]
        pages += ["/dashboard/notifications/", "/dashboard/developers/", "/dashboard/team/"]
        pages += ["/dashboard/developers/snap/"]
        pages += ["/dashboard/links/", "/dashboard/checkout/"]
        ok = all(c.get(p).status_code == 200 for p in pages)
        return ok and c.get("/dashboard/transactions/export.csv").status_code == 200
    if action == "sync with the partner":
        return _done(c.post(f"/dashboard/transactions/{shop.paid.txid}/sync"))
    if action == "resend a notification":
        resp = c.post(f"/dashboard/notifications/{shop.dead.pk}/resend")
        shop.dead.refresh_from_db()
        return _done(resp, shop.dead.state == "pending")
    if action == "replay notifications":
        now = timezone.localtime()
        window = {
            "since": f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "until": f"{now + timedelta(hours=1):%Y-%m-%dT%H:%M}",
        }
        resp = c.post("/dashboard/notifications/replay", window)
        return _done(resp, Job.objects.filter(merchant=m, kind="replay").exists())  # a replay job
    if action == "send a test notification":
        resp = c.post("/dashboard/developers/test-notification")
        return _done(resp, Notification.objects.filter(merchant=m, kind="test").exists())
    if action == "make a sandbox test payment":
        return _done(
            c.post("/dashboard/sandbox/payment", {"mitra_cd": "ESHP", "amount": "10000", "phone": "0812"})
        )
    if action == "create or stop payment links":
        resp = c.post("/dashboard/links/new", {"amount": "25000", "description": "Role link"})
        return _done(resp, PaymentLink.objects.filter(merchant=m, description="Role link").exists())
    if action == "hosted checkout settings":
        resp = c.post("/dashboard/checkout/", {"display_name": "Role Toko", "methods": ["DANA"]})
        return _done(resp, CheckoutSettings.objects.filter(merchant=m, display_name="Role Toko").exists())
    if action == "cancel or refund":
        form = {"cancel_type": "1", "amount": shop.unpaid.amount, "idempotency_key": f"k{next(_n)}"}
        resp = c.post(f"/dashboard/transactions/{shop.unpaid.txid}/cancel", form)
        shop.unpaid.refresh_from_db()
        return _done(resp, shop.unpaid.status == "1")
    if action == "confirm receipt (release funds)":
        return _done(c.post(f"/dashboard/transactions/{shop.paid.txid}/receipt"))
    if action == "reveal the merchantKey":
        resp = c.post("/dashboard/developers/key/reveal", {"password": PASSWORD})
        return _done(resp, shop.key in resp.content.decode())
    if action == "rotate the merchantKey":
        resp = c.post("/dashboard/developers/key/rotate", {"password": PASSWORD})
        m.refresh_from_db()
        return _done(resp, m.merchant_key != shop.key)
    if action.endswith(("SNAP client secret", "SNAP public key")):
        return _snap_credentials(shop, action)
    if action == "set the notification URL":
        resp = c.post("/dashboard/developers/notification-url", {"url": "https://shop.test/new"})
        m.refresh_from_db()
        return _done(resp, m.default_notification_url == "https://shop.test/new")
    if action == "manage the team":
        invited = c.post("/dashboard/team/invite", {"email": "new@shop.test", "role": "viewer"})
        role = c.post(f"/dashboard/team/members/{shop.other.pk}/role", {"role": "developer"})
        revoked = c.post(f"/dashboard/team/invitations/{shop.invitation.pk}/revoke")
        shop.other.refresh_from_db()
        done = (
            Invitation.objects.filter(merchant=m, email="new@shop.test").exists()
            and shop.other.role == "developer"
            and not Invitation.objects.filter(pk=shop.invitation.pk).exists()  # revoked
        )
        statuses = {invited.status_code, role.status_code, revoked.status_code}
        if statuses == {403}:
            assert not done
            return False
        assert statuses == {302} and done, statuses
        return True
    raise AssertionError(action)


def _snap_credentials(shop: Shop, action: str) -> bool:
    """The BI-SNAP client secret signs refunds like the merchantKey: the same rule."""
    secret = api_credentials.client_secret_rotate(merchant=shop.merchant, actor=SYSTEM)
    c, page = shop.client, "/dashboard/developers/snap/"
    if action == "reveal the SNAP client secret":
        resp = c.post(f"{page}secret/reveal", {"password": PASSWORD})
        return _done(resp, secret in resp.content.decode())
    if action == "rotate the SNAP client secret":
        resp = c.post(f"{page}secret/rotate", {"password": PASSWORD})
        return _done(resp, api_credential_get(merchant=shop.merchant).client_secret != secret)
    resp = c.post(f"{page}public-key", {"pem": snap.PUBLIC_KEY})
    return _done(resp, bool(api_credential_get(merchant=shop.merchant).public_key_pem))


def _done(resp, effect: bool | None = None) -> bool:  # noqa: ANN001
    """403: refused, and the effect (when one can be seen here) did not happen. Otherwise done:
    no server error, and the effect happened. None: no effect to see without the partner."""
    if resp.status_code == 403:
        assert not effect, "refused, yet it happened"
        return False
    assert resp.status_code < 500, resp.status_code
    assert effect is not False, "answered as allowed but nothing happened"
    return True


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize("action", list(TABLE))
def test_dashboard_role_table(action, role_index):
    shop = Shop(ROLES[role_index])
    allowed = attempt(shop, action)
    assert allowed is TABLE[action][role_index], (ROLES[role_index], action)
    if not allowed:  # refused: nothing of it happened
        shop.unpaid.refresh_from_db()
        shop.dead.refresh_from_db()
        shop.merchant.refresh_from_db()
        assert (
            shop.unpaid.status == "9" and shop.dead.state == "dead" and shop.merchant.merchant_key == shop.key
        )


def v2_cancel(client: Client, shop: Shop, key: str) -> dict:
    ts = clock.compact()
    token = hashlib.sha256(
        f"{ts}{shop.merchant.imid}{shop.unpaid.txid}{shop.unpaid.amount}{key}".encode()
    ).hexdigest()
    body = {
        "timeStamp": ts,
        "tXid": shop.unpaid.txid,
        "iMid": shop.merchant.imid,
        "payMethod": "05",
        "cancelType": "1",
        "amt": str(shop.unpaid.amount),
        "cancelMsg": "role test",
        "merchantToken": token,
    }
    return client.post("/nicepay/direct/v2/cancel", body, content_type="application/json").json()


@pytest.mark.parametrize("role", ROLES)
def test_only_an_owner_holds_a_key_that_moves_money_on_v2_and_rest(role):
    """The V2 and REST doors know no members: whoever holds the merchantKey is the merchant. So the
    question is who can get the key from the dashboard, and what it does there."""
    shop = Shop(role)
    pages = [
        shop.client.get(p).content.decode()
        for p in ("/dashboard/", "/dashboard/developers/", "/dashboard/team/")
    ]
    revealed = shop.client.post("/dashboard/developers/key/reveal", {"password": PASSWORD}).content.decode()
    holds_key = shop.key in revealed
    assert not any(shop.key in p for p in pages)  # never on a page without the password step
    assert holds_key is (role == "owner")
    api = Client()
    # What the member can hold: the revealed key (owner), else only what the pages show.
    key = shop.key if holds_key else _shown_key(pages[1])
    rest = api.get("/api/v1/transactions", HTTP_AUTHORIZATION=basic(shop.merchant.imid, key))
    answer = v2_cancel(api, shop, key)
    shop.unpaid.refresh_from_db()
    if role == "owner":
        assert rest.status_code == 200
        assert answer["resultCd"] == "0000" and shop.unpaid.status == "1"  # V2 cancel with the revealed key
    else:
        assert rest.status_code == 401
        assert answer["resultCd"] != "0000" and shop.unpaid.status == "9"


def _shown_key(page: str) -> str:
    """The masked key a non-owner sees (e.g. "AbCd…xy")."""
    found = re.search(r'id="masked-key">([^<]+)<', page)
    assert found, "the developers page shows the key masked"
    return found.group(1)


def test_the_developers_page_says_why_a_developer_sees_no_key():
    shop = Shop("developer")
    page = shop.client.get("/dashboard/developers/").content.decode()
    assert "Only owners can view or rotate the merchant key" in page and "reveal-submit" not in page
    assert MerchantMember.objects.get(pk=shop.member.pk).role == "developer"
