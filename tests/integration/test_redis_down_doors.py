"""Redis really stopped (the stack's own redis-server is killed): no merchant door answers 500.
The dashboard sign-in fails closed with a clear message (its guessing limit cannot count), a
signed-in merchant keeps reading the overview and the lists, every /api/v1 call answers (its
request budget is not enforced meanwhile), and the V2 API keeps working. When Redis is back,
signing in works again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from payments.models import Notification
from tests.integration.test_reliability import wait_until
from tests.integration.test_reliability_redis import own_stack  # noqa: F401 - the fixture
from tests.support import flows
from tests.support.dashboard import PASSWORD, member
from tests.support.rest import basic

pytestmark = pytest.mark.integration


def sign_in(base: str, username: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    page = session.get(f"{base}/dashboard/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/dashboard/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers={"Referer": f"{base}/dashboard/login/"},
        allow_redirects=False,
        timeout=30,
    )
    return session, answer


def test_no_door_answers_500_while_redis_is_down(own_stack, demo_merchant, receiver, django_user_model):  # noqa: F811
    stack, own = own_stack
    base = stack.base_url
    owner = member(demo_merchant)
    reg = flows.register(base, mitra_cd="ESHP", amount=41_000, db_process_url=receiver.url)
    flows.payment_started(base, reg)
    assert flows.simulate(base, reg["tXid"], "success").status_code == 200
    wait_until(lambda: Notification.objects.filter(transaction__txid=reg["tXid"]).exists(), 20)
    note = Notification.objects.filter(transaction__txid=reg["tXid"]).first()
    signed_in, answer = sign_in(base, owner.user.username)
    assert answer.status_code == 302

    own.stop()  # no cache, no counters, no broker

    # Dashboard: reads keep working for the signed-in member.
    for path in ("/dashboard/", "/dashboard/transactions/", f"/dashboard/transactions/{reg['tXid']}/"):
        page = signed_in.get(f"{base}{path}", timeout=30)
        assert page.status_code == 200, (path, page.status_code)
    # A new sign-in fails closed, with words a person understands.
    _, refused = sign_in(base, owner.user.username)
    assert refused.status_code == 503
    assert "our protection against password guessing is unavailable" in refused.text
    # So does the back office's.
    session = requests.Session()
    admin_login = f"{base}/admin/login/"
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(admin_login, timeout=30).text
    )
    staff = django_user_model.objects.create_superuser("down-ops", "down@payloan.test", PASSWORD)
    admin_refused = session.post(
        admin_login,
        data={"csrfmiddlewaretoken": token.group(1), "username": staff.username, "password": PASSWORD},
        headers={"Referer": admin_login},
        allow_redirects=False,
        timeout=30,
    )
    assert admin_refused.status_code == 503 and "sessionid" not in admin_refused.cookies
    assert "our protection against password guessing is unavailable" in admin_refused.text
    # The key reveal's password check fails closed too; the key is not shown.
    developers = signed_in.get(f"{base}/dashboard/developers/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', developers.text).group(1)
    reveal = signed_in.post(
        f"{base}/dashboard/developers/key/reveal",
        data={"csrfmiddlewaretoken": token, "password": PASSWORD},
        headers={"Referer": f"{base}/dashboard/developers/"},
        timeout=30,
    )
    assert reveal.status_code == 403 and "briefly unavailable" in reveal.text
    assert demo_merchant.merchant_key not in reveal.text

    # Every /api/v1 call answers, none with a 500.
    auth = {"Authorization": basic(demo_merchant.imid, demo_merchant.merchant_key)}
    now = timezone.now()
    window = {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}
    calls = [
        ("GET", "/api/v1/transactions", None),
        ("GET", f"/api/v1/transactions/{reg['tXid']}", None),
        ("POST", f"/api/v1/transactions/{reg['tXid']}/sync", None),
        ("GET", "/api/v1/notifications", None),
        ("GET", f"/api/v1/notifications/{note.pk}", None),
        ("POST", f"/api/v1/notifications/{note.pk}/resend", None),
        (
            "POST",
            "/api/v1/notifications/replay",
            window,
        ),
    ]
    for method, path, body in calls:
        resp = requests.request(method, f"{base}{path}", headers=auth, json=body, timeout=30)
        assert resp.status_code < 500, (method, path, resp.status_code, resp.text[:200])
        assert resp.status_code in (200, 202), (method, path, resp.status_code, resp.text[:200])
    wrong = requests.get(
        f"{base}/api/v1/transactions",
        headers={"Authorization": basic(demo_merchant.imid, "x" * 88)},
        timeout=30,
    )
    assert wrong.status_code == 401
    # V2 stays up.
    assert flows.inquiry(base, reg)["resultCd"] == "0000"

    own.start()
    _, back = sign_in(base, owner.user.username)
    assert back.status_code == 302
