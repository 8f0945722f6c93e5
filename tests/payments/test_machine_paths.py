"""Machine-to-machine paths skip the browser-only middleware, and nothing else changes."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from payloan_site import middleware
from payloan_site.middleware import is_machine_path
from tests.support import flows


def routes(patterns=None, prefix: str = "/"):  # noqa: ANN001, ANN201
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + re.sub(r"<(?:\w+:)?\w+>", "X", str(p.pattern)).lstrip("^").rstrip("$")
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def test_every_view_under_a_machine_path_is_csrf_exempt() -> None:
    machine = [r for r in routes() if is_machine_path(r)]
    assert "/partners/X/notify" in machine and "/nicepay/direct/v2/registration" in machine
    for route in machine:
        assert getattr(resolve(route).func, "csrf_exempt", False), route


def test_pages_people_open_are_not_machine_paths() -> None:
    for path in (
        "/nicepay/direct/v2/payment",
        "/pay/X/wait",
        "/dashboard/",
        "/admin/",
        "/api/v1/transactions",
    ):
        assert not is_machine_path(path), path


def test_a_v2_answer_carries_no_browser_state_and_pages_keep_theirs(client, demo_merchant) -> None:
    body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url="http://127.0.0.1:9/n")
    resp = client.post("/nicepay/direct/v2/registration", json.dumps(body), content_type="application/json")
    assert resp.json()["resultCd"] == "0000"
    assert not resp.cookies and "Cookie" not in resp.get("Vary", "")  # no session was touched
    assert resp["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs

    page = client.get("/dashboard/login/")
    assert page.status_code == 200 and page["X-Frame-Options"] == "DENY"
    assert settings.CSRF_COOKIE_NAME in page.cookies
    # A form post without its CSRF token is still refused on a page.
    assert client.__class__(enforce_csrf_checks=True).post("/dashboard/login/", {}).status_code == 403


@pytest.mark.parametrize(
    ("wrapper", "attribute"),
    [
        (middleware.SessionMiddleware, "session"),
        (middleware.AuthenticationMiddleware, "user"),
        (middleware.MessageMiddleware, "_messages"),
    ],
)
def test_browser_middleware_runs_on_pages_and_is_skipped_on_machine_paths(wrapper, attribute) -> None:
    seen: dict[str, bool] = {}

    def view(request):  # noqa: ANN001, ANN202
        seen[request.path] = hasattr(request, attribute)
        return HttpResponse("ok")

    inner = wrapper(view)  # authentication and messages sit inside sessions, as in MIDDLEWARE
    chain = inner if wrapper is middleware.SessionMiddleware else middleware.SessionMiddleware(inner)
    for path in ("/dashboard/", "/nicepay/direct/v2/registration", "/partners/DANA/notify"):
        chain(RequestFactory().post(path))
    assert seen == {
        "/dashboard/": True,
        "/nicepay/direct/v2/registration": False,
        "/partners/DANA/notify": False,
    }
