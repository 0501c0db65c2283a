"""The exported OpenAPI document of the public REST API stays current: `make schema`."""

import json
from pathlib import Path

from api.docs_export import openapi_json, webhook_catalogue

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


def test_the_webhook_event_catalogue_is_current() -> None:
    assert (DOCS / "webhook-events.md").read_text() == webhook_catalogue(), "run `make schema`"


def test_the_signed_example_in_the_webhook_docs_verifies() -> None:
    from datetime import UTC, datetime

    from standardwebhooks import Webhook

    text = (DOCS / "webhooks.md").read_text()
    block = text.split("```http\n", 1)[1].split("\n```", 1)[0].splitlines()
    headers = dict(line.split(": ", 1) for line in block[1:] if ": " in line)
    body = block[-1]
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert Webhook(secret).sign(headers["webhook-id"], at, body) == headers["webhook-signature"]
