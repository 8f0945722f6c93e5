"""A per-merchant request budget, counted in the shared cache (Redis)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class MerchantRateThrottle(SimpleRateThrottle):
    scope = "merchant"

    def get_rate(self) -> str | None:
        # Read at request time (not class definition) so the rate follows settings changes.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        merchant = request.auth
        if merchant is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": merchant.imid}
