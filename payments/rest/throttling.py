"""A per-merchant request budget, counted in the shared cache (Redis).

DRF's own SimpleRateThrottle reads a request history, appends and writes it back: requests racing
each other all read the same history and all pass. Here each request is one atomic increment in a
fixed window (payments/throttle.py), and the count it returns decides. Without Redis the budget is
not enforced: reads keep working (docs/security.md)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from payments import throttle


class MerchantRateThrottle(SimpleRateThrottle):
    scope = "merchant"
    wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        # Read at request time (not class definition) so the rate follows settings changes.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        merchant = request.auth
        if merchant is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": merchant.imid}

    def allow_request(self, request, view) -> bool:  # noqa: ANN001
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        window = int(self.duration)
        now = self.timer()
        self.wait_seconds = window - (now % window)
        try:
            count = throttle.take(f"{key}:{int(now // window)}", window=window + 1)
        except throttle.ThrottleUnavailable:
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return self.wait_seconds
