"""Property-based run of the whole /api/v1 surface, in-process over WSGI, authenticated as a merchant
with rows: no 500s, and every answer (status, content type, body) matches the OpenAPI schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from payloan_site.wsgi import application
from tests.support.rest import basic, make_merchant, make_notification, make_txn

MAX_EXAMPLES = 25  # per operation; keeps the run well under a minute

# Generating the schema touches no database, so it can load at import time.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def in_process_db(db):
    """Like Django's test client: keep the test's DB connection (and its transaction) across requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth_header(in_process_db) -> str:
    merchant, key = make_merchant("RESTFUZZ01")
    for amount in (10000, 25000):
        make_notification(make_txn(merchant, amount=amount, status="0"), state="dead")
    return basic(merchant.imid, key)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same examples on every CI run: a failure reproduces
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case, auth_header):
    # A case made negative through its headers (say, the Authorization header left out) must keep
    # them as generated; replacing its credentials would turn it into a valid request.
    headers_mode = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    negative_headers = headers_mode is not None and headers_mode.mode == GenerationMode.NEGATIVE
    headers = None if negative_headers else {"Authorization": auth_header}
    # positive_data_acceptance is left out: some valid-looking input is refused by rules a schema
    # cannot express (an opaque cursor we did not issue, a replay window whose `until` <= `since`).
    case.call_and_validate(headers=headers, excluded_checks=[schemathesis.checks.positive_data_acceptance])
