"""A V2 client that behaves like NICEPAY's official Node library (axios): any HTTP status outside
2xx is an exception, so a resultCd is only ever read from a 2xx JSON answer."""

from __future__ import annotations

from typing import Any


class NonSuccessStatus(AssertionError):
    """What axios' rejection is to the merchant: the answer's resultCd is never seen."""


class StrictV2Client:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _checked(self, resp: Any) -> Any:
        if not 200 <= resp.status_code < 300:
            raise NonSuccessStatus(f"HTTP {resp.status_code}: {resp.content[:300]!r}")
        assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
        assert "resultCd" in resp.json(), resp.content
        return resp

    def post(self, url: str, data: Any = None, **kw: Any) -> Any:
        return self._checked(self._client.post(url, data, **kw))

    def get(self, url: str, data: Any = None, **kw: Any) -> Any:
        return self._checked(self._client.get(url, data, **kw))
