"""What a merchant on NICEPAY's redirect ("API Checkout") API does, against a running stack."""

from __future__ import annotations

import re

import requests

from tests.support import flows


def redirect_body(
    *, amount: int, db_process_url: str, pay_method: str = "00", mitra_cd: str = "", **kw
) -> dict:
    """A V2 checkout registration: the direct body with payMethod 00 (or 05/06) and no partner."""
    body = flows.registration_body(
        mitra_cd=mitra_cd or "DANA", amount=amount, db_process_url=db_process_url, **kw
    )
    body.update(payMethod=pay_method, mitraCd=mitra_cd)
    return body


def register(base_url: str, **kw) -> dict:
    body = redirect_body(**kw)
    answer = requests.post(f"{base_url}/nicepay/redirect/v2/registration", json=body, timeout=60).json()
    answer["_body"] = body
    return answer


def shopper_url(reg: dict) -> str:
    """NICEPAY's recipe: paymentURL + "?tXid=" + tXid."""
    return f"{reg['paymentURL']}?tXid={reg['tXid']}"


def hosted_path(session: requests.Session, reg: dict) -> str:
    """Follows the shopper's URL to the hosted page; returns its path (/pay/<tXid>/<token>/)."""
    answer = session.get(shopper_url(reg), allow_redirects=True, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    path = re.sub(r"^https?://[^/]+", "", answer.url)
    assert re.fullmatch(rf"/pay/{reg['tXid']}/[A-Za-z0-9_-]{{22}}/", path), path
    return path


def csrf(session: requests.Session, html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
