"""The exported OpenAPI document of the public REST API stays current: `make schema`."""

import json
from pathlib import Path

from api.docs_export import openapi_json

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_exported_openapi_document_is_current() -> None:
    assert (DOCS / "openapi.json").read_text() == openapi_json(), "run `make schema`"


def test_every_public_resource_is_listed_and_read_by_id() -> None:
    paths = json.loads(openapi_json())["paths"]
    for resource, key in [
        ("customers", "customer_id"),
        ("invoices", "invoice_id"),
        ("subscriptions", "subscription_id"),
        ("payments", "payment_id"),
    ]:
        assert "get" in paths[f"/api/v1/{resource}"]
        assert "get" in paths[f"/api/v1/{resource}/{{{key}}}"]
