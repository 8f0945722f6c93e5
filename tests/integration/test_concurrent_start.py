"""Ten browsers start one DANA payment at once while DANA takes 6 s to create the order: DANA is asked
once, every browser gets an answer within a couple of seconds (the others a small "starting" page
that asks again), and every browser ends up at the same DANA page. No web thread waits out the
partner's call for another request."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests

from providers.dana.adapter import CREATE_PATH
from providers.sandbox.models import SandboxOrder
from tests.support import flows
from tests.support.proxy import start_proxy

pytestmark = [pytest.mark.integration, pytest.mark.serial]  # timed against a bound
PARTNER_SECONDS = 6.0
BROWSERS = 10


def destination(resp: requests.Response) -> str | None:
    """Where the payment step sends the browser; None for the "starting, ask again" page."""
    if resp.status_code == 302:
        return resp.headers["Location"]
    if 'id="payment-starting"' in resp.text:
        return None
    link = re.search(r'id="continue"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="continue"', resp.text)
    assert link, (resp.status_code, resp.text[:500])
    return (link.group(1) or link.group(2)).replace("&amp;", "&")


def test_ten_concurrent_starts_of_one_dana_payment(stack, extra_web, demo_merchant, receiver):
    proxy = start_proxy(getattr(stack, "sandbox_url", stack.base_url))
    try:
        proxy.slow(lambda call: call.path.endswith(CREATE_PATH), PARTNER_SECONDS)
        web = extra_web(DANA_BASE_URL=f"{proxy.url}/sandbox/dana")
        reg = flows.register(web.base_url, mitra_cd="DANA", amount=28_000, db_process_url=receiver.url)
        assert reg["resultCd"] == "0000", reg
        url = flows.payment_url(web.base_url, reg)
        together = Barrier(BROWSERS)

        def browser(_: int) -> tuple[list[float], list[str | None]]:
            together.wait()
            took, seen = [], []
            while True:
                began = time.monotonic()
                resp = requests.get(url, allow_redirects=False, timeout=60)
                took.append(time.monotonic() - began)
                seen.append(destination(resp))
                if seen[-1] is not None or len(seen) > 30:
                    return took, seen
                time.sleep(1.0)  # what the starting page does before asking again

        with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
            results = list(pool.map(browser, range(BROWSERS)))
    finally:
        proxy.close()

    assert len(proxy.calls_to(CREATE_PATH)) == 1  # DANA was asked once
    assert SandboxOrder.objects.filter(partner="dana", merchant_ref=reg["tXid"]).count() == 1
    finals = {seen[-1] for _, seen in results}
    assert len(finals) == 1 and None not in finals and "/sandbox/dana/" in finals.pop()
    answers = sorted(t for took, _ in results for t in took)
    # One request waited on DANA; every other answer (a "starting" page or the final one) was quick.
    assert answers[-1] >= PARTNER_SECONDS - 0.5
    assert answers[-2] < 3.5, answers
    assert sum(seen.count(None) for _, seen in results) >= BROWSERS - 1
