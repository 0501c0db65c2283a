"""A stateful fake of the part of Stripe's API the platform uses, on a real socket.

It speaks Stripe's wire contract as the official client sends it: form-encoded bodies with
bracketed keys (`items[0][price]`), bearer-less basic auth, `Idempotency-Key` headers, list
objects, and errors as `{"error": {"type", "code", "message"}}` with their HTTP status.

`localstripe` (PyPI) was tried first: it installs and runs here, but it has no Prices (only the
legacy Plans), no lookup keys and no Billing Meters, which is what the platform uses; so this
fake covers exactly Products, Prices (lookup keys, transfer), Customers, Subscriptions (create,
retrieve, update with proration), Billing Meters and meter events (deduplicated by identifier).
Webhooks are not sent by it: tests sign events with `signed_event`, as Stripe would.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from tests.fakes.local_http import LocalHttpServer

Json = dict[str, Any]
_KEY_PARTS = re.compile(r"\[([^\]]*)\]")


def decode_form(pairs: list[tuple[str, str]]) -> Json:
    """Stripe's nested form encoding back into objects and lists."""
    root: Json = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        parts = [head, *_KEY_PARTS.findall(key[len(head) :])]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part if part else str(len(node)), {})
        last = parts[-1]
        node[last if last else str(len(node))] = value
    decoded: Json = _lists(root)
    return decoded


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


class StripeError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeStripe:
    """Start it, point the client's `api` base address at `url`, read its state."""

    def __init__(self) -> None:
        self.products: dict[str, Json] = {}
        self.prices: dict[str, Json] = {}
        self.customers: dict[str, Json] = {}
        self.subscriptions: dict[str, Json] = {}
        self.meters: dict[str, Json] = {}
        self.meter_events: dict[str, Json] = {}  # by identifier: each counted once
        self.meter_event_posts: Counter[str] = Counter()  # every POST, by identifier
        # Identifiers whose next meter events are recorded and then answered 500 (a lost answer).
        self.lose_answers: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []
        self._idempotent: dict[str, tuple[int, Json]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def log_message(self, *_: object) -> None:
                pass

        self._http = LocalHttpServer(Handler)

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> FakeStripe:
        self._http.start_serving()
        return self

    def stop(self) -> None:
        self._http.stop()

    def usage(self, customer: str, event_name: str) -> int:
        """The meter's total for a customer, as Stripe would bill it (each identifier once)."""
        return sum(
            int(e["payload"]["value"])
            for e in self.meter_events.values()
            if e["event_name"] == event_name and e["payload"]["stripe_customer_id"] == customer
        )

    # -- the wire ------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("content-length", "0") or 0)
        raw = handler.rfile.read(length).decode() if length else split.query
        params = decode_form(parse_qsl(raw, keep_blank_values=True))
        key = handler.headers.get("idempotency-key")
        with self._lock:
            self.requests.append((method, split.path))
            status, body = self._answer(method, split.path, params, key)
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.send_header("request-id", f"req_{next(self._ids)}")
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, method: str, path: str, params: Json, key: str | None) -> tuple[int, Json]:
        remembered = self._idempotent.get(f"{method} {path} {key}") if key else None
        if remembered is not None:
            return remembered
        try:
            answer = 200, self._route(method, path, params)
        except StripeError as error:
            answer = (
                error.status,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": error.code,
                        "message": error.message,
                    }
                },
            )
        if key:  # Stripe keeps the first answer to a key, a 500 included
            self._idempotent[f"{method} {path} {key}"] = answer
        return answer

    def _route(self, method: str, path: str, params: Json) -> Json:
        routes: dict[tuple[str, str], Callable[..., Json]] = {
            ("GET", "/v1/billing/meters"): self._list_meters,
            ("POST", "/v1/billing/meters"): self._create_meter,
            ("POST", "/v1/billing/meter_events"): self._meter_event,
            ("POST", "/v1/products"): self._create_product,
            ("GET", "/v1/prices"): self._list_prices,
            ("POST", "/v1/prices"): self._create_price,
            ("POST", "/v1/customers"): self._create_customer,
            ("POST", "/v1/subscriptions"): self._create_subscription,
        }
        route = routes.get((method, path))
        if route is not None:
            return route(params)
        resource, _, object_id = path.rpartition("/")
        by_id: dict[tuple[str, str], Callable[[str, Json], Json]] = {
            ("GET", "/v1/products"): lambda i, _: self._get(self.products, i, "product"),
            ("POST", "/v1/products"): self._update_product,
            ("GET", "/v1/subscriptions"): lambda i, _: self._get(
                self.subscriptions, i, "subscription"
            ),
            ("POST", "/v1/subscriptions"): self._update_subscription,
        }
        handler = by_id.get((method, resource))
        if handler is None:
            raise StripeError(
                404, "resource_missing", f"Unrecognized request URL ({method}: {path})"
            )
        return handler(object_id, params)

    # -- resources -----------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    @staticmethod
    def _get(table: dict[str, Json], object_id: str, kind: str) -> Json:
        found = table.get(object_id)
        if found is None:
            raise StripeError(404, "resource_missing", f"No such {kind}: '{object_id}'")
        return found

    @staticmethod
    def _list(items: list[Json], url: str) -> Json:
        return {"object": "list", "data": items, "has_more": False, "url": url}

    def _list_meters(self, _: Json) -> Json:
        return self._list(list(self.meters.values()), "/v1/billing/meters")

    def _create_meter(self, params: Json) -> Json:
        if any(m["event_name"] == params["event_name"] for m in self.meters.values()):
            raise StripeError(400, "resource_already_exists", "An active meter has this event_name")
        meter = {"id": self._new_id("mtr"), "object": "billing.meter", "status": "active", **params}
        self.meters[meter["id"]] = meter
        return meter

    def _meter_event(self, params: Json) -> Json:
        identifier = params.get("identifier") or self._new_id("mev")
        if not any(m["event_name"] == params["event_name"] for m in self.meters.values()):
            raise StripeError(400, "resource_missing", f"No meter for {params['event_name']}")
        if params["payload"]["stripe_customer_id"] not in self.customers:
            raise StripeError(400, "resource_missing", "No such customer")
        self.meter_event_posts[identifier] += 1
        event = {"object": "billing.meter_event", "identifier": identifier, **params}
        self.meter_events.setdefault(identifier, event)  # Stripe counts an identifier once
        if self.lose_answers[identifier] > 0:
            self.lose_answers[identifier] -= 1
            raise StripeError(500, "api_error", "the answer was lost")
        return event

    def _create_product(self, params: Json) -> Json:
        product_id = params.get("id") or self._new_id("prod")
        if product_id in self.products:
            raise StripeError(400, "resource_already_exists", "Product already exists")
        product = {"object": "product", "active": True, "metadata": {}, **params, "id": product_id}
        self.products[product_id] = product
        return product

    def _update_product(self, product_id: str, params: Json) -> Json:
        product = self._get(self.products, product_id, "product")
        product.update(params)
        return product

    def _list_prices(self, params: Json) -> Json:
        keys = set(params.get("lookup_keys") or [])
        found = [p for p in self.prices.values() if p.get("lookup_key") in keys and p["active"]]
        return self._list(found, "/v1/prices")

    def _create_price(self, params: Json) -> Json:
        key = params.get("lookup_key")
        holder = next((p for p in self.prices.values() if key and p.get("lookup_key") == key), None)
        if holder is not None:
            if params.get("transfer_lookup_key") != "true":
                raise StripeError(400, "lookup_key_exists", f"A price has lookup_key {key}")
            holder["lookup_key"] = None
        self._get(self.products, params["product"], "product")
        fields = {k: v for k, v in params.items() if k != "transfer_lookup_key"}
        price = {
            "object": "price",
            "active": True,
            "metadata": {},
            **fields,
            "id": self._new_id("price"),
        }
        self.prices[price["id"]] = price
        return price

    def _create_customer(self, params: Json) -> Json:
        customer = {"object": "customer", "metadata": {}, **params, "id": self._new_id("cus")}
        self.customers[customer["id"]] = customer
        return customer

    def _create_subscription(self, params: Json) -> Json:
        self._get(self.customers, params["customer"], "customer")
        subscription_id = self._new_id("sub")
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "status": "incomplete" if params.get("payment_behavior") else "active",
            "customer": params["customer"],
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "prorations": [],
        }
        subscription["items"] = self._list(
            [self._item(subscription_id, i["price"]) for i in params.get("items", [])],
            f"/v1/subscription_items?subscription={subscription_id}",
        )
        self.subscriptions[subscription_id] = subscription
        return subscription

    def _update_subscription(self, subscription_id: str, params: Json) -> Json:
        subscription = self._get(self.subscriptions, subscription_id, "subscription")
        items = {i["id"]: i for i in subscription["items"]["data"]}
        for change in params.get("items", []):
            if change.get("deleted") == "true":
                items.pop(change["id"])
            elif "id" in change:
                items[change["id"]] = self._item(subscription_id, change["price"], change["id"])
            else:
                made = self._item(subscription_id, change["price"])
                items[made["id"]] = made
        subscription["items"]["data"] = list(items.values())
        subscription["prorations"].append(params.get("proration_behavior", "create_prorations"))
        subscription["metadata"].update(params.get("metadata", {}))
        return subscription

    def _item(self, subscription_id: str, price_id: str, item_id: str | None = None) -> Json:
        price = self._get(self.prices, price_id, "price")
        return {
            "id": item_id or self._new_id("si"),
            "object": "subscription_item",
            "subscription": subscription_id,
            "price": price,
            "quantity": 1,
        }


def signed_event(
    secret: str, event_type: str, data: Json, *, event_id: str | None = None, at: int | None = None
) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed as Stripe signs them."""
    event = {
        "id": event_id or f"evt_fake{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "created": at or int(time.time()),
        "livemode": False,
        "api_version": "2025-04-30.basil",
        "data": {"object": data},
    }
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at)
    return body.encode(), header
