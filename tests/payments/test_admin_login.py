"""The back office's sign-in is limited like the dashboard's: per client address + username, at
most MAX_FAILURES passwords compared per window, then 429 with the admin's form and the reason,
even for the right password; a successful sign-in clears the count."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from payments.dashboard import ratelimit

pytestmark = pytest.mark.django_db
PASSWORD = "pw-ops-123"
WRONG_PASSWORD = "Please enter the correct username and password for a staff account"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        f"ops-{uuid.uuid4().hex[:8]}", "ops@payloan.test", PASSWORD
    )


def client() -> Client:
    return Client(REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def sign_in(browser: Client, username: str, password: str):  # noqa: ANN201
    return browser.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_wrong_passwords_are_limited_then_even_the_right_one_waits(staff) -> None:
    browser = client()
    answers = [sign_in(browser, staff.username, "wrong") for _ in range(ratelimit.MAX_FAILURES + 3)]
    checked = [a for a in answers if WRONG_PASSWORD in a.content.decode()]
    assert len(checked) == ratelimit.MAX_FAILURES
    assert [a.status_code for a in answers[: ratelimit.MAX_FAILURES - 1]] == [200] * (
        ratelimit.MAX_FAILURES - 1
    )
    assert {a.status_code for a in answers[ratelimit.MAX_FAILURES - 1 :]} == {429}
    refused = sign_in(browser, staff.username, PASSWORD)
    body = refused.content.decode()
    assert refused.status_code == 429 and "Too many failed sign-in attempts" in body
    assert 'name="password"' in body and "csrfmiddlewaretoken" in body  # the admin's own form
    assert "_auth_user_id" not in browser.session
    # another address, or another username from this one, is not affected
    assert sign_in(client(), staff.username, PASSWORD).status_code == 302
    assert sign_in(browser, "someone-else", "wrong").status_code == 200


def test_a_successful_sign_in_clears_the_count(staff) -> None:
    browser = client()
    for _ in range(ratelimit.MAX_FAILURES - 1):
        assert sign_in(browser, staff.username, "wrong").status_code == 200
    assert sign_in(browser, staff.username, PASSWORD).status_code == 302
    browser.logout()
    for _ in range(ratelimit.MAX_FAILURES - 1):
        assert sign_in(browser, staff.username, "wrong").status_code == 200


def test_an_empty_form_counts_nothing(staff) -> None:
    browser = client()
    for _ in range(ratelimit.MAX_FAILURES + 2):
        assert sign_in(browser, staff.username, "").status_code == 200
    assert sign_in(browser, staff.username, PASSWORD).status_code == 302
