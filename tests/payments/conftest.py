import pytest
from django.core.cache import cache


@pytest.fixture
def clean_cache():
    """An empty cache before and after (throttles, cached overview figures)."""
    cache.clear()
    yield
    cache.clear()
