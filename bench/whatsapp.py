"""WhatsApp send throughput against the local Cloud API fake, against raw HTTP in the same run.

    python -m bench.whatsapp                     # 200 messages, 8 threads
    python -m bench.whatsapp --messages 1000

The baseline posts the same number of Cloud API messages with one pooled httpx client, from the
same number of threads; Niaga's figure is its idempotent send job (load the message, check consent
and the channel, render the template, post it, record Sent as an event).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import httpx

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.customers.customers import RegisterCustomer
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from bench.common import (
    Figure,
    base_parser,
    check_goal,
    ratio_of,
    report,
    running_niaga,
    throwaway_database,
)
from domain.shared.roles import Role


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    raw = Figure("raw pooled httpx POST to the Cloud API fake (baseline)", "messages/s")
    sends = Figure("niaga send job", "messages/s")
    cloud = FakeCloudApi()
    cloud.start()
    try:
        with (
            throwaway_database("niaga_bench_wa") as url,
            running_niaga(url, cloud_api_url=cloud.url) as niaga,
        ):
            for _ in range(args.repeat):
                raw.time(lambda: _raw(cloud, args.messages, args.threads))
                owner, ids = _seed(niaga, cloud, args.messages)
                sends.time(lambda o=owner, i=ids: _send(niaga, o, i, args.threads))
    finally:
        cloud.close()
    report(f"Sending {args.messages} WhatsApp messages", raw, [sends])
    check_goal("niaga / raw httpx", ratio_of(sends, raw), 0.1)


def _raw(cloud: FakeCloudApi, count: int, threads: int) -> int:
    headers = {"Authorization": f"Bearer {cloud.access_token}"}
    client = httpx.Client()

    def post(n: int) -> None:
        body = {
            "messaging_product": "whatsapp",
            "to": f"62813{n:08d}",
            "type": "text",
            "text": {"body": f"Halo {n}"},
        }
        client.post(f"{cloud.url}/1/messages", json=body, headers=headers).raise_for_status()

    with client, ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, range(count)))
    return count


def _seed(niaga: Niaga, cloud: FakeCloudApi, count: int) -> tuple[Principal, list[UUID]]:
    tenant_id = niaga.tenants.create(f"Bench WA {time.time_ns()}", Placement.OWN_SCHEMA)
    owner = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "bench"))
    niaga.whatsapp.messages.configure(
        owner,
        "cloud_api",
        "1",
        {"access_token": cloud.access_token, "app_secret": "s", "verify_token": "v"},
    )
    for n in range(count):
        customer = niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {n}", f"0813{n:08d}")
        )
        niaga.whatsapp.messages.request(
            owner, customer, "voucher_delivery", {"kode_voucher": f"V{n}"}, uuid4(), "sold"
        )
    store = niaga.stores.for_tenant(tenant_id)
    return owner, [m.id for m in niaga.whatsapp.read_models.pending(store, count)]


def _send(niaga: Niaga, owner: Principal, ids: list[UUID], threads: int) -> int:
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(lambda m: niaga.whatsapp.messages.send(owner.tenant_id, m), ids))
    failed = [o for o in outcomes if o != "sent"]
    if failed:
        raise SystemExit(f"{len(failed)} messages were not sent, e.g. {failed[0]}")
    return len(ids)


if __name__ == "__main__":
    main()
