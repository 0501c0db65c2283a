"""A repair shop in Indonesia through GraphQL on a real server, with WhatsApp going out to the
fake Cloud API: the customer reads the due time on the shop's clock and the warranty on the
shop's calendar, whichever of the tenant's time zones that is, never UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    fonnte_fixture,
    use_cloud_api,
    whatsapp_settings,
)

JOB = (
    "{ __typename ... on RepairJobSuccess { job { id dueAt warrantyUntil } } "
    "... on Error { message } }"
)
RECEIVE = "mutation($input: ReceiveRepairJobInput!) { receiveRepairJob(input: $input) " + JOB + " }"
STEPS = {
    "diagnoseRepairJob": 'mutation($id: ID!) { diagnoseRepairJob(jobId: $id, diagnosis: "LCD") '
    + JOB
    + " }",
    "quoteRepairJob": "mutation($id: ID!) { quoteRepairJob(input: {jobId: $id, parts: [], "
    'labour: [{description: "Ganti LCD", amount: 150000}]}) ' + JOB + " }",
    "answerRepairQuote": "mutation($id: ID!) { answerRepairQuote(jobId: $id, approve: true) "
    + JOB
    + " }",
    "startRepair": "mutation($id: ID!) { startRepair(jobId: $id) " + JOB + " }",
    "completeRepair": "mutation($id: ID!) { completeRepair(jobId: $id) " + JOB + " }",
}
DELIVER = "mutation($id: ID!) { deliverRepairJob(jobId: $id) " + JOB + " }"
# Taken in at 15:54 UTC on 4 December with the 24-hour SLA of a "high" job: due at 15:54 UTC on
# 5 December, which is 22:54 in Jakarta and already 6 December in Jayapura.
TAKEN_IN = datetime(2026, 12, 4, 15, 54, tzinfo=UTC)
# 18:30 UTC on 5 December is 01:30 WIB / 03:30 WIT on 6 December: the warranty's first day is
# the 6th, so 30 days run to 5 January.
HANDED_OVER = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


def _job_step(gql: GraphQL, mutation: str, name: str, **variables: object) -> dict[str, Any]:
    result: dict[str, Any] = gql(mutation, **variables)[name]  # type: ignore[assignment]
    assert result["__typename"] == "RepairJobSuccess", result
    job: dict[str, Any] = result["job"]
    return job


def _sent_text(cloud: FakeCloudApi, starting: str, seconds: float = 15) -> str:
    """The text of the first message sent to the Cloud API that contains `starting`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for request in cloud.requests:
            text = str(request.body.get("text", {}).get("body", ""))
            if starting in text:
                return text
        time.sleep(0.1)
    pytest.fail(f"no message with {starting!r} was sent")


@pytest.mark.parametrize(
    ("zone", "due_shown"),
    [("Asia/Jakarta", "05/12/2026 22:54 WIB"), ("Asia/Jayapura", "06/12/2026 00:54 WIT")],
)
def test_the_customer_is_told_the_due_time_and_warranty_in_the_shops_time_zone(
    niaga: Niaga, server: str, clock: FixedClock, cloud: FakeCloudApi, zone: str, due_shown: str
) -> None:
    tenant_id = niaga.tenants.create("Servis HP Makmur", Placement.SHARED)
    use_cloud_api(niaga, principal_for(tenant_id), cloud)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    settings = gql(
        "mutation($z: String!) { updateTenantSettings(timezone: $z) "
        "{ ... on TenantSettingsSuccess { timezone } } }",
        z=zone,
    )
    assert settings["updateTenantSettings"] == {"timezone": zone}
    customer = gql(
        'mutation { registerCustomer(input: {name: "Rina", phone: "081255566677"}) '
        "{ ... on RegisterCustomerSuccess { customer { id } } } }"
    )["registerCustomer"]["customer"]["id"]  # type: ignore[index]
    technician = gql(
        'mutation { addTechnician(name: "Bayu") { ... on TechnicianSuccess '
        "{ technician { id } } } }"
    )["addTechnician"]["technician"]["id"]  # type: ignore[index]

    clock.set_now(TAKEN_IN)
    job = _job_step(
        gql,
        RECEIVE,
        "receiveRepairJob",
        input={
            "customerId": customer,
            "deviceType": "smartphone",
            "brand": "Samsung",
            "model": "Galaxy A50",
            "complaint": "layar retak",
            "priority": "high",
            "technicianId": technician,
        },
    )
    assert datetime.fromisoformat(job["dueAt"]) == datetime(2026, 12, 5, 15, 54, tzinfo=UTC)
    received = _sent_text(cloud, "sudah kami terima untuk diservis")
    assert received.endswith(f"Perkiraan selesai {due_shown}.")

    for name, mutation in STEPS.items():
        _job_step(gql, mutation, name, id=job["id"])
    clock.set_now(HANDED_OVER)
    delivered = _job_step(gql, DELIVER, "deliverRepairJob", id=job["id"])
    assert delivered["warrantyUntil"] == "2027-01-05"
    handed = _sent_text(cloud, "sudah diserahkan")
    assert "Garansi servis berlaku sampai 05/01/2027." in handed
