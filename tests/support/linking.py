"""What a merchant and a customer do for AstraPay linking, over HTTP against a running server."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from tests.support.flows import IMID, KEY, sha, stamp

CALLBACK = "http://127.0.0.1:9/merchant/link-done"


def link_enable_query(
    *,
    db_process_url: str,
    reference_no: str | None = None,
    phone: str = "081299990000",
    key: str = KEY,
    callback_url: str = CALLBACK,
    **extra: str,
) -> dict[str, str]:
    ref = reference_no or f"LNK{uuid.uuid4().hex[:12].upper()}"
    query = {
        "timeStamp": stamp(),
        "iMid": IMID,
        "referenceNo": ref,
        "payMethod": "05",
        "billingNm": "Sari Dewi",
        "billingPhone": phone,
        "billingEmail": "sari@example.com",
        "mitraCd": "ASTR",
        "dbProcessUrl": db_process_url,
        "userIP": "127.0.0.1",
        "callBackUrl": callback_url,
        "description": "link AstraPay",
    }
    query.update(extra)
    query.setdefault("merchantToken", sha(IMID, ref, phone, key))
    return query


def link_enable(base_url: str, **kw) -> requests.Response:
    query = link_enable_query(**kw)
    resp = requests.get(
        f"{base_url}/nicepay/api/linkEnable.do?{urlencode(query)}", allow_redirects=False, timeout=60
    )
    resp.sent = query  # type: ignore[attr-defined]
    return resp


def submit(session: requests.Session, url: str, fields: dict) -> requests.Response:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:300]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, data={"csrfmiddlewaretoken": csrf, **fields}, allow_redirects=False, timeout=60)


def bind_at_astrapay(binding_url: str) -> str:
    """OTP then PIN on AstraPay's page; returns where AstraPay sends the browser (finishBindingUrl)."""
    s = requests.Session()
    assert submit(s, binding_url, {"action": "otp", "otp": "111111"}).status_code == 200
    done = submit(s, binding_url, {"action": "pin", "pin": "123456"})
    assert done.status_code == 302, done.text[:300]
    return done.headers["Location"]


def link_initiate_query(
    *,
    mandate_id: str,
    amount: int,
    db_process_url: str,
    reference_no: str | None = None,
    key: str = KEY,
    callback_url: str = "http://127.0.0.1:9/merchant/callback",
    **extra: str,
) -> dict[str, str]:
    ref = reference_no or f"ORD{uuid.uuid4().hex[:14].upper()}"
    query = {
        "timeStamp": stamp(),
        "iMid": IMID,
        "mandateID": mandate_id,
        "payMethod": "05",
        "currency": "IDR",
        "amt": str(amount),
        "goodsNm": "Helm",
        "referenceNo": ref,
        "billingNm": "Sari Dewi",
        "billingPhone": "081299990000",
        "billingEmail": "sari@example.com",
        "dbProcessUrl": db_process_url,
        "callBackUrl": callback_url,
        "userIP": "127.0.0.1",
    }
    query.update(extra)
    query.setdefault("merchantToken", sha(IMID, ref, query["amt"], key))
    return query


def link_initiate(base_url: str, **kw) -> requests.Response:
    query = link_initiate_query(**kw)
    resp = requests.get(
        f"{base_url}/nicepay/api/linkInitiate.do?{urlencode(query)}", allow_redirects=False, timeout=60
    )
    resp.sent = query  # type: ignore[attr-defined]
    return resp


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def pay_at_astrapay(payment_url: str, action: str = "pay") -> requests.Response:
    return submit(requests.Session(), payment_url, {"action": action, "pin": "123456"})


def verify_link_notification(form: dict[str, str], *, key: str = KEY, imid: str = IMID) -> bool:
    """The merchant's check: SHA256(iMid + referenceNo + billingPhone + merchantKey)."""
    return form.get("merchantToken") == sha(
        imid, form.get("referenceNo", ""), form.get("billingPhone", ""), key
    )
