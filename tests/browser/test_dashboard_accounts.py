"""Account security through the real pages: a forgotten password reset through the e-mailed link,
and two-factor sign-in set up and used with codes computed here (RFC 6238), as a phone would."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_dashboard import go, sign_in
from tests.factories import MerchantFactory
from tests.support import mailbox
from tests.support.dashboard import member
from tests.support.totp import totp

pytestmark = pytest.mark.browser


def fresh_code(secret: str, used: set[str]) -> str:
    """The current code, waiting for the next time step if this one was used already."""
    while True:
        code = totp(secret)
        if code not in used:
            used.add(code)
            return code
        time.sleep(1)


def test_password_reset_through_the_e_mail_link(stack, page) -> None:
    merchant = MerchantFactory(name="Reset Shop")
    m = member(merchant, "viewer", email="forgetful@reset.test")
    page.goto(f"{stack.base_url}/dashboard/login/")
    go(page, page.get_by_role("link", name="Forgot your password?"))
    page.get_by_label("E-mail").fill("forgetful@reset.test")
    go(page, page.get_by_role("button", name="Send the link"))
    assert "If this e-mail belongs to a dashboard account" in page.locator("#reset-sent").inner_text()

    link = mailbox.wait_for_link(stack, "forgetful@reset.test", r"http://\S+/dashboard/reset/\S+/")
    page.goto(link)
    page.get_by_label("New password (10 characters or more)").fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    go(page, page.get_by_role("button", name="Save the new password"))
    assert "too short" in page.locator(".field-error").first.inner_text()
    page.get_by_label("New password (10 characters or more)").fill("brand-new-secret-42")
    page.get_by_label("Repeat the new password").fill("brand-new-secret-42")
    go(page, page.get_by_role("button", name="Save the new password"))
    assert "Your password was changed" in page.get_by_role("status").first.inner_text()

    sign_in(page, stack.base_url, m.user.username)  # the old password
    assert "not correct" in page.get_by_role("alert").inner_text()
    sign_in(page, stack.base_url, m.user.username, "brand-new-secret-42")
    assert page.get_by_test_id("merchant").inner_text().startswith("Reset Shop")
    go(page, page.get_by_role("button", name="Sign out"))
    page.goto(link)  # a used link is dead
    assert page.get_by_role("heading", level=1).inner_text() == "This link no longer works"


def test_totp_sign_in_with_a_code_computed_in_the_test(stack, page) -> None:
    merchant = MerchantFactory(name="Secure Shop")
    owner = member(merchant)
    used: set[str] = set()
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/account/")
    go(page, page.get_by_role("link", name="Set up two-factor sign-in"))
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("6-digit code").fill("000000" if totp(secret) != "000000" else "111111")
    go(page, page.get_by_role("button", name="Turn on"))
    assert "not right" in page.locator("#setup-error").inner_text()
    # The phone's clock runs a step behind (RFC 6238 drift, within django-otp's tolerance of one
    # step); the sign-in below then has a newer step at once instead of waiting up to 30 s for one.
    behind = totp(secret, at=time.time() - 30)
    used.add(behind)
    page.get_by_label("6-digit code").fill(behind)
    go(page, page.get_by_role("button", name="Turn on"))
    assert "Two-factor sign-in is on" in page.get_by_role("status").first.inner_text()

    # The owner now requires it for the whole team.
    page.goto(f"{stack.base_url}/dashboard/team/")
    go(page, page.get_by_role("button", name="Require for everyone"))
    assert "Required" in page.locator("#team-two-factor-state").inner_text()
    go(page, page.get_by_role("button", name="Sign out"))

    # Signing in now takes the password, then the code from the app.
    sign_in(page, stack.base_url, owner.user.username)
    page.wait_for_url("**/dashboard/login/code/")
    page.get_by_label("6-digit code").fill(fresh_code(secret, used))
    go(page, page.get_by_role("button", name="Verify"))
    page.wait_for_url(f"{stack.base_url}/dashboard/")
    assert page.get_by_test_id("merchant").inner_text().startswith("Secure Shop")

    # A member without an authenticator is sent to set one up before any other page.
    viewer = member(merchant, "viewer")
    go(page, page.get_by_role("button", name="Sign out"))
    sign_in(page, stack.base_url, viewer.user.username)
    page.wait_for_url("**/dashboard/account/two-factor/")
    page.goto(f"{stack.base_url}/dashboard/balance/")
    page.wait_for_url("**/dashboard/account/two-factor/")
    viewer_secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("6-digit code").fill(totp(viewer_secret))
    go(page, page.get_by_role("button", name="Turn on"))
    page.goto(f"{stack.base_url}/dashboard/balance/")
    assert page.get_by_role("heading", level=1).inner_text() == "Balance"
