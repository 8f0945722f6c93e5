"""The OpenAPI document is valid OpenAPI 3 and complete; the docs page works offline."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

OPERATIONS = {
    ("/api/v1/transactions", "get"),
    ("/api/v1/transactions/{txid}", "get"),
    ("/api/v1/transactions/{txid}/sync", "post"),
    ("/api/v1/notifications", "get"),
    ("/api/v1/notifications/{notification_id}", "get"),
    ("/api/v1/notifications/{notification_id}/resend", "post"),
    ("/api/v1/notifications/replay", "post"),
}


def test_schema_validates_against_the_openapi_3_spec():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
def test_schema_endpoint_documents_every_operation_with_auth_and_the_error_shape():
    resp = APIClient().get("/api/schema/?format=json")
    assert resp.status_code == 200
    schema = resp.json()
    ops = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert ops == OPERATIONS
    assert schema["components"]["securitySchemes"]["merchantBasic"] == {
        "type": "http",
        "scheme": "basic",
        "description": "Username is your iMid, password your merchantKey (the V2 credentials).",
    }
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, method in OPERATIONS:
        op = schema["paths"][path][method]
        assert op["security"] == [{"merchantBasic": []}], (path, method)
        for code in ("401", "429"):
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (path, method, code)
    money = schema["components"]["schemas"]["Transaction"]["properties"]
    for name in ("amount", "cancelledAmount", "mdrFee", "netAmount"):
        assert money[name]["type"] == "integer", name
    assert "MDR" in money["mdrFee"]["description"]
    assert "amount - mdrFee - cancelledAmount" in money["netAmount"]["description"]
    assert "netAmount" in schema["components"]["schemas"]["TransactionDetail"]["properties"]
    listing = schema["paths"]["/api/v1/transactions"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "cursor",
        "limit",
        "status",
        "mitraCd",
        "createdFrom",
        "createdTo",
        "amountMin",
        "amountMax",
        "q",
    }
    assert "503" in schema["paths"]["/api/v1/transactions/{txid}/sync"]["post"]["responses"]


@pytest.mark.django_db
def test_docs_pages_use_only_local_assets(client):
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    external = [u for u in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if "//" in u]
    assert external == [], external
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.mark.browser
def test_docs_page_renders_offline_in_a_browser(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == len(OPERATIONS)
    assert "/api/v1/transactions/{txid}/sync" in page.content()
    assert page.locator("button.authorize").count() == 1  # HTTP Basic "Authorize" button
