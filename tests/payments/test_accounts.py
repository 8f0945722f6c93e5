"""Account security with Django's test client: two-factor sign-in and its team requirement, the
atomic throttles, forgotten and changed passwords, removing a member, invitations by e-mail."""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.dashboard import ratelimit
from payments.models import AuditLog, Invitation, MerchantMember
from payments.services.accounts import two_factor_start
from tests.factories import MerchantFactory
from tests.support.dashboard import PASSWORD, member
from tests.support.totp import secret_of, totp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]


def with_authenticator(m: MerchantMember) -> str:
    device = two_factor_start(user=m.user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    return secret_of(device)


def sign_in(client: Client, m: MerchantMember, password: str = PASSWORD):
    return client.post("/dashboard/login/", {"username": m.user.username, "password": password})


def test_two_factor_sign_in_asks_for_the_code_and_each_code_works_once(client):
    m = member(MerchantFactory())
    secret = with_authenticator(m)
    answer = sign_in(client, m)
    assert answer.status_code == 302 and answer["Location"] == "/dashboard/login/code/"
    assert client.get("/dashboard/").status_code == 302  # not signed in yet
    wrong = client.post(
        "/dashboard/login/code/", {"code": "000000" if totp(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 401 and b"not right" in wrong.content
    code = totp(secret)
    ok = client.post("/dashboard/login/code/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert AuditLog.objects.get(action="member.signed_in").detail == {"two_factor": True}
    # The same code cannot open a second session.
    other = Client()
    sign_in(other, m)
    assert other.post("/dashboard/login/code/", {"code": code}).status_code == 401


def test_code_step_is_throttled_per_account(client):
    m = member(MerchantFactory())
    secret = with_authenticator(m)
    sign_in(client, m)
    for _ in range(ratelimit.MAX_FAILURES):
        client.post("/dashboard/login/code/", {"code": "12345"})  # malformed: still an attempt
    locked = client.post("/dashboard/login/code/", {"code": totp(secret)})
    assert locked.status_code == 429 and client.get("/dashboard/").status_code == 302


def test_throttle_is_one_atomic_increment():
    """Twenty racing attempts for one account: exactly the limit gets through."""
    allowed = []
    barrier = threading.Barrier(20)

    def attempt():
        barrier.wait()
        allowed.append(ratelimit.hit("login", "10.0.0.1", "race@x.test"))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == ratelimit.MAX_FAILURES


def test_a_session_opened_elsewhere_must_still_pass_the_code(client):
    m = member(MerchantFactory())
    with_authenticator(m)
    client.force_login(m.user)  # e.g. the admin's sign-in form
    answer = client.get("/dashboard/transactions/")
    assert answer.status_code == 302 and answer["Location"].startswith("/dashboard/login/?next=")


def test_team_requirement_sends_members_to_set_up_and_then_lets_them_in(client):
    merchant = MerchantFactory()
    owner, viewer = member(merchant), member(merchant, "viewer")
    client.force_login(owner.user)
    refused = client.post("/dashboard/team/two-factor", {"required": "1"}, follow=True)
    assert b"your own account first" in refused.content
    with_authenticator(owner)
    session = client.session
    session["dash-2fa-ok"] = owner.user.pk
    session.save()
    client.post("/dashboard/team/two-factor", {"required": "1"})
    merchant.refresh_from_db()
    assert merchant.require_two_factor

    other = Client()
    other.force_login(viewer.user)
    assert other.get("/dashboard/balance/")["Location"] == "/dashboard/account/two-factor/"
    setup = other.get("/dashboard/account/two-factor/")
    assert setup.status_code == 200 and b"<svg" in setup.content
    secret = setup.context["secret"]
    assert other.post("/dashboard/account/two-factor/", {"code": "999999"}).status_code in (400, 200)
    done = other.post("/dashboard/account/two-factor/", {"code": totp(secret)})
    assert done.status_code == 302
    assert TOTPDevice.objects.filter(user=viewer.user, confirmed=True).count() == 1
    assert other.get("/dashboard/balance/").status_code == 200
    # Required by the team: it cannot be turned off.
    other.post("/dashboard/account/two-factor/off", {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=viewer.user).exists()


def signed_in_with_two_factor(client: Client, m: MerchantMember) -> str:
    secret = with_authenticator(m)
    client.force_login(m.user)
    session = client.session
    session["dash-2fa-ok"] = m.user.pk  # as the sign-in's code step leaves it
    session.save()
    return secret


def test_turning_two_factor_off_needs_the_password_and_a_current_code(client):
    m = member(MerchantFactory())
    secret = signed_in_with_two_factor(client, m)
    code = totp(secret)
    wrong_code = "000000" if code != "000000" else "111111"
    refusals = [
        ({"password": PASSWORD}, "code", "Enter the code"),
        ({"password": PASSWORD, "code": wrong_code}, "code", "not right"),
        ({"password": PASSWORD, "code": "12ab"}, "code", "not right"),
        ({"password": "wrong-password-1", "code": code}, "password", "password is not correct"),
        ({"code": code}, "password", "password is not correct"),
    ]
    for form, field, words in refusals:
        answer = client.post("/dashboard/account/two-factor/off", form)
        page = answer.content.decode()
        assert answer.status_code == 400, form
        assert re.search(rf'<p class="field-error" id="off-{field}-error" role="alert">[^<]*{words}', page), (
            form
        )
        assert TOTPDevice.objects.filter(user=m.user, confirmed=True).count() == 1, form
    assert not AuditLog.objects.filter(action="account.two_factor_off").exists()
    done = client.post("/dashboard/account/two-factor/off", {"password": PASSWORD, "code": code})
    assert done.status_code == 302 and done["Location"] == "/dashboard/account/"
    assert not TOTPDevice.objects.filter(user=m.user).exists()
    assert AuditLog.objects.get(action="account.two_factor_off").target == f"user:{m.user.pk}"
    assert b"Two-factor sign-in is off" in client.get("/dashboard/account/").content


def test_code_guesses_to_turn_two_factor_off_are_limited(client):
    m = member(MerchantFactory())
    secret = signed_in_with_two_factor(client, m)
    wrong = "000000" if totp(secret) != "000000" else "111111"
    for _ in range(ratelimit.MAX_FAILURES):
        client.post("/dashboard/account/two-factor/off", {"password": PASSWORD, "code": wrong})
    locked = client.post("/dashboard/account/two-factor/off", {"password": PASSWORD, "code": totp(secret)})
    assert locked.status_code == 429 and b"Too many wrong codes" in locked.content
    assert TOTPDevice.objects.filter(user=m.user, confirmed=True).exists()


def test_password_reset_by_e_mail_link_works_once(client, settings):
    m = member(MerchantFactory(), email="finance@shop.test")
    unknown = client.post("/dashboard/reset/", {"email": "nobody@shop.test"})
    known = client.post("/dashboard/reset/", {"email": "FINANCE@shop.test"})
    assert (
        unknown.content.count(b"If this e-mail belongs")
        == known.content.count(b"If this e-mail belongs")
        == 1
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["finance@shop.test"]
    link = re.search(
        rf"{re.escape(settings.PUBLIC_BASE_URL)}(/dashboard/reset/\S+/)", mail.outbox[0].body
    ).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    url = form.redirect_chain[-1][0]
    too_short = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert too_short.status_code == 200 and b"too short" in too_short.content
    done = client.post(url, {"new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"})
    assert done.status_code == 302 and done["Location"] == "/dashboard/login/?reset=1"
    assert sign_in(Client(), m, "a-new-long-secret").status_code == 302
    assert sign_in(Client(), m, PASSWORD).status_code == 401
    assert not client.get(link, follow=True).context["validlink"]  # used
    assert AuditLog.objects.filter(action="account.password_reset", merchant=m.merchant).count() == 1


def test_password_reset_requests_are_throttled(client):
    member(MerchantFactory(), email="busy@shop.test")
    codes = [client.post("/dashboard/reset/", {"email": "busy@shop.test"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429] and len(mail.outbox) == 3


def test_change_password_ends_other_sessions(client):
    m = member(MerchantFactory())
    elsewhere = Client()
    elsewhere.force_login(m.user)
    client.force_login(m.user)
    wrong = client.post(
        "/dashboard/account/password",
        {"old_password": "nope", "new_password1": "another-long-one", "new_password2": "another-long-one"},
    )
    assert wrong.status_code == 400
    ok = client.post(
        "/dashboard/account/password",
        {"old_password": PASSWORD, "new_password1": "another-long-one", "new_password2": "another-long-one"},
    )
    assert ok.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/").status_code == 302


def test_owner_removes_a_member_whose_session_ends(client):
    merchant = MerchantFactory()
    owner, dev = member(merchant), member(merchant, "developer")
    dev_client = Client()
    dev_client.force_login(dev.user)
    assert dev_client.post(f"/dashboard/team/members/{owner.pk}/remove").status_code == 403
    client.force_login(owner.user)
    self_removal = client.post(f"/dashboard/team/members/{owner.pk}/remove", follow=True)
    assert b"cannot remove yourself" in self_removal.content
    client.post(f"/dashboard/team/members/{dev.pk}/remove")
    assert not MerchantMember.objects.filter(pk=dev.pk).exists()
    dev.user.refresh_from_db()
    assert not dev.user.is_active
    assert dev_client.get("/dashboard/").status_code in (302, 403)
    assert AuditLog.objects.filter(action="team.member_removed", merchant=merchant).count() == 1
    # Another merchant's member is unknown here.
    stranger = member(MerchantFactory())
    client.post(f"/dashboard/team/members/{stranger.pk}/remove")
    assert MerchantMember.objects.filter(pk=stranger.pk).exists()


def test_invitation_defaults_to_viewer_and_goes_by_e_mail_only(client, settings):
    merchant = MerchantFactory(name="Mail Shop")
    client.force_login(member(merchant).user)
    page = client.get("/dashboard/team/").content.decode()
    assert re.search(r'<option value="viewer"[^>]*selected', page)
    answer = client.post("/dashboard/team/invite", {"email": "new@shop.test", "role": "viewer"}, follow=True)
    inv = Invitation.objects.get(email="new@shop.test")
    assert inv.role == "viewer"
    [message] = mail.outbox
    assert message.to == ["new@shop.test"] and "Mail Shop" in message.subject
    link = re.search(rf"({re.escape(settings.PUBLIC_BASE_URL)}/dashboard/invite/\S+/)", message.body).group(1)
    assert link not in answer.content.decode()
    accept = Client().get(link.replace(settings.PUBLIC_BASE_URL, ""))
    assert accept.status_code == 200 and b"Join Mail Shop" in accept.content


def test_e_mailed_links_use_the_public_url_whatever_host_the_request_names(client, settings):
    """A forged Host header (here let through by a permissive ALLOWED_HOSTS, as a proxy that passes
    any Host would) must not put the secret token into a link to another site."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://pay.payloan.test"
    forged = {"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": "evil.example"}
    merchant = MerchantFactory(name="Host Shop")
    m = member(merchant, email="owner@host.test")
    assert client.post("/dashboard/reset/", {"email": "owner@host.test"}, **forged).status_code == 200
    client.force_login(m.user)
    client.post("/dashboard/team/invite", {"email": "joiner@host.test", "role": "viewer"}, **forged)
    reset, invite = mail.outbox
    assert (reset.to, invite.to) == (["owner@host.test"], ["joiner@host.test"])
    for message, path in ((reset, "/dashboard/reset/"), (invite, "/dashboard/invite/")):
        assert "evil.example" not in message.body
        links = re.findall(r"https?://\S+", message.body)
        assert links and all(link.startswith(f"https://pay.payloan.test{path}") for link in links), links


def test_code_and_reset_throttles_fail_closed_without_redis(client, monkeypatch):
    m = member(MerchantFactory(), email="closed@shop.test")
    secret = with_authenticator(m)
    sign_in(client, m)  # the password step, while Redis still counts

    def down(key: str, *, window: int) -> int:
        raise ratelimit.Unavailable("no Redis")

    monkeypatch.setattr("payments.throttle.take", down)
    refused = client.post("/dashboard/login/code/", {"code": totp(secret)})
    assert refused.status_code == 503 and client.get("/dashboard/").status_code == 302
    reset = client.post("/dashboard/reset/", {"email": "closed@shop.test"})
    assert reset.status_code == 503 and len(mail.outbox) == 0


def test_account_checks_fail_closed_without_redis_with_words_not_a_500(client, monkeypatch):
    m = member(MerchantFactory())
    client.force_login(m.user)
    client.get("/dashboard/account/two-factor/")  # the set-up page makes its authenticator
    secret = secret_of(TOTPDevice.objects.get(user=m.user, confirmed=False))

    def down(key: str, *, window: int) -> int:
        raise ratelimit.Unavailable("no Redis")

    monkeypatch.setattr("payments.throttle.take", down)
    setup = client.post("/dashboard/account/two-factor/", {"code": totp(secret)})
    assert setup.status_code == 503 and b"briefly unavailable" in setup.content
    assert not TOTPDevice.objects.filter(user=m.user, confirmed=True).exists()
    new = "another-long-password-42"
    change = client.post(
        "/dashboard/account/password",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert change.status_code == 200 and b"briefly unavailable" in change.content
    m.user.refresh_from_db()
    assert m.user.check_password(PASSWORD) and not m.user.check_password(new)
