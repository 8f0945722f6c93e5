"""Attempt limits beaten in parallel: real concurrent requests against the live server (gunicorn,
16 threads, PostgreSQL, Redis). A limit that reads the count, checks, then increments lets every
racing request through; one atomic increment that decides lets through at most the limit."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from payments.dashboard import ratelimit
from payments.rest.authentication import PER_IMID
from tests.factories import MerchantFactory
from tests.support.dashboard import PASSWORD, member
from tests.support.rest import basic

pytestmark = pytest.mark.integration


def together(jobs: list, run) -> list:  # noqa: ANN001
    """Run `run(job)` for every job at the same moment (a barrier), return the results in order."""
    barrier = threading.Barrier(len(jobs))

    def one(job):  # noqa: ANN001, ANN202
        barrier.wait()
        return run(job)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def form_session(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(url, timeout=60)
    return session, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_thirty_parallel_sign_ins_check_at_most_the_limit(stack):
    """Where the right password lands in the race is random; what must hold either way is that at most
    MAX_FAILURES passwords are compared. test_the_limit_holds_for_the_right_password covers the rest."""
    owner = member(MerchantFactory(name="Race Shop"))
    login = f"{stack.base_url}/dashboard/login/"
    passwords = ["wrong-password"] * 29 + [PASSWORD]
    random.shuffle(passwords)
    forms = [(*form_session(login), pw) for pw in passwords]

    def post(job):  # noqa: ANN001, ANN202
        session, token, password = job
        data = {"csrfmiddlewaretoken": token, "username": owner.user.username, "password": password}
        resp = session.post(login, data=data, headers={"Referer": login}, allow_redirects=False, timeout=120)
        return resp.status_code

    answers = Counter(together(forms, post))
    checked = answers[401] + answers[302]  # a password was compared: wrong, or right and signed in
    assert checked <= ratelimit.MAX_FAILURES, answers
    assert answers[429] >= len(passwords) - ratelimit.MAX_FAILURES and answers[500] == 0, answers
    if answers[302]:
        return  # the right password was among the checked ones: its sign-in cleared the count (as it should)
    # Otherwise the limit holds afterwards too, even for the right password.
    session, token = form_session(login)
    data = {"csrfmiddlewaretoken": token, "username": owner.user.username, "password": PASSWORD}
    late = session.post(login, data=data, headers={"Referer": login}, allow_redirects=False, timeout=60)
    assert late.status_code == 429


def test_the_limit_holds_for_the_right_password(stack):
    owner = member(MerchantFactory(name="Race Shop Two"))
    login = f"{stack.base_url}/dashboard/login/"
    forms = [(*form_session(login), "wrong-password") for _ in range(12)]

    def post(job):  # noqa: ANN001, ANN202
        session, token, password = job
        data = {"csrfmiddlewaretoken": token, "username": owner.user.username, "password": password}
        return session.post(login, data=data, headers={"Referer": login}, allow_redirects=False, timeout=120)

    answers = Counter(r.status_code for r in together(forms, post))
    assert answers[401] <= ratelimit.MAX_FAILURES and answers[429] >= 12 - ratelimit.MAX_FAILURES, answers
    late = post((*form_session(login), PASSWORD))
    assert late.status_code == 429 and "sessionid" not in late.cookies


def test_parallel_wrong_passwords_at_the_key_reveal_check_at_most_the_limit(stack):
    merchant = MerchantFactory(name="Reveal Race Shop")
    owner = member(merchant)
    login = f"{stack.base_url}/dashboard/login/"
    session, token = form_session(login)
    data = {"csrfmiddlewaretoken": token, "username": owner.user.username, "password": PASSWORD}
    assert (
        session.post(
            login, data=data, headers={"Referer": login}, allow_redirects=False, timeout=60
        ).status_code
        == 302
    )
    developers = f"{stack.base_url}/dashboard/developers/"
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(developers, timeout=60).text
    ).group(1)
    guesses = [f"guess-{n}" for n in range(13)] + [PASSWORD]
    random.shuffle(guesses)

    def reveal(password: str) -> str:
        resp = session.post(
            f"{developers}key/reveal",
            data={"csrfmiddlewaretoken": token, "password": password},
            headers={"Referer": developers},
            timeout=120,
        )
        if merchant.merchant_key in resp.text:
            return "revealed"
        if "The password is not correct." in resp.text:
            return "checked"
        return "locked" if "Too many wrong passwords" in resp.text else f"other {resp.status_code}"

    answers = Counter(together(guesses, reveal))
    assert answers["checked"] + answers["revealed"] <= ratelimit.MAX_FAILURES, answers
    assert answers["locked"] == len(guesses) - answers["checked"] - answers["revealed"], answers


def test_parallel_wrong_api_keys_are_checked_at_most_the_limit(stack):
    merchant = MerchantFactory(name="API Race Shop")
    url = f"{stack.base_url}/api/v1/transactions"
    keys = [f"{n:088d}" for n in range(40)]

    def call(key: str) -> int:
        return requests.get(
            url, headers={"Authorization": basic(merchant.imid, key)}, timeout=120
        ).status_code

    answers = Counter(together(keys, call))
    assert answers[401] <= PER_IMID.limit and answers[401] + answers[429] == len(keys), answers
    # A guess can no longer be confirmed from here: even the right key is throttled for this iMid.
    assert (
        requests.get(
            url, headers={"Authorization": basic(merchant.imid, merchant.merchant_key)}, timeout=60
        ).status_code
        == 429
    )


def test_parallel_wrong_admin_passwords_check_at_most_the_limit(stack, django_user_model):
    staff = django_user_model.objects.create_superuser("race-ops", "race-ops@payloan.test", PASSWORD)
    login = f"{stack.base_url}/admin/login/"
    forms = [(*form_session(login), "wrong-password") for _ in range(12)]

    def post(job):  # noqa: ANN001, ANN202
        session, token, password = job
        data = {
            "csrfmiddlewaretoken": token,
            "username": staff.username,
            "password": password,
            "next": "/admin/",
        }
        return session.post(login, data=data, headers={"Referer": login}, allow_redirects=False, timeout=120)

    answers = together(forms, post)
    checked = [r for r in answers if "Please enter the correct username and password" in r.text]
    assert len(checked) <= ratelimit.MAX_FAILURES, Counter(r.status_code for r in answers)
    assert Counter(r.status_code for r in answers)[429] >= 12 - ratelimit.MAX_FAILURES
    assert not any(r.status_code >= 500 for r in answers)
    late = post((*form_session(login), PASSWORD))
    assert late.status_code == 429 and "Too many failed sign-in attempts" in late.text
    assert "sessionid" not in late.cookies
