"""Shared by the WhatsApp tests: fake providers on real sockets, and settings pointing at them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga, whatsapp_dispatcher
from adapters.messaging.dispatcher import WhatsAppDispatcher
from adapters.messaging.whatsapp.fakes import FakeCloudApi, FakeFonnte
from adapters.shared.settings import Settings
from application.messaging.campaigns import Now
from application.messaging.ports import MessageLogEntry
from application.shared.context import Principal

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me"
PHONE_NUMBER_ID = "1234567890"


@pytest.fixture(name="cloud")
def cloud_fixture() -> Iterator[FakeCloudApi]:
    fake = FakeCloudApi()
    fake.start()
    yield fake
    fake.close()


@pytest.fixture(name="fonnte")
def fonnte_fixture() -> Iterator[FakeFonnte]:
    fake = FakeFonnte()
    fake.start()
    yield fake
    fake.close()


@pytest.fixture(name="settings")
def whatsapp_settings(settings: Settings, cloud: FakeCloudApi, fonnte: FakeFonnte) -> Settings:
    return settings.model_copy(
        update={
            "niaga_whatsapp_cloud_api_url": cloud.url,
            "niaga_fonnte_url": fonnte.url,
            "niaga_payment_link_base": "https://bayar.example.id/i",
        }
    )


def use_cloud_api(niaga: Niaga, owner: Principal, cloud: FakeCloudApi) -> None:
    niaga.whatsapp.messages.configure(
        owner,
        "cloud_api",
        PHONE_NUMBER_ID,
        {
            "access_token": cloud.access_token,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
        },
    )


def use_fonnte(niaga: Niaga, owner: Principal, fonnte: FakeFonnte) -> None:
    niaga.whatsapp.messages.configure(owner, "fonnte", "6281100000000", {"token": fonnte.token})


def dispatcher_sending_inline(niaga: Niaga, now: Now | None = None) -> WhatsAppDispatcher:
    """Each job runs at once in the caller's thread; a failure leaves the row for a retry."""

    def send(tenant_id: UUID, message_id: UUID) -> None:
        # A failure is recorded in the log, which is what the tests read.
        with contextlib.suppress(Exception):
            niaga.whatsapp.messages.send(tenant_id, message_id)

    return whatsapp_dispatcher(niaga, send, now)


def message_log(niaga: Niaga, owner: Principal, **filters: object) -> list[MessageLogEntry]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    page = niaga.whatsapp.read_models.message_log(
        store,
        owner.tenant_id,
        filters.get("status"),  # type: ignore[arg-type]
        filters.get("campaign_id"),  # type: ignore[arg-type]
        filters.get("customer_id"),  # type: ignore[arg-type]
        200,
        None,
    )
    return page.items
