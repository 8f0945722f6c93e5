"""Fixtures for the merchant REST API: merchants with known keys and authenticated clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.support.rest import basic, make_merchant


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()  # this suite's own Redis db: throttle counters from earlier runs must not leak in
    yield


@pytest.fixture
def shop(db):
    return make_merchant("RESTSHOPA1")


@pytest.fixture
def rival(db):
    return make_merchant("RESTSHOPB2")


@pytest.fixture
def api(shop):
    merchant, key = shop
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(merchant.imid, key))
    client.merchant = merchant
    return client
