"""Demo data for the embedded default: one tenant with an owner API key; internet customers on
two plans, hotspot vouchers sold through two agents, and a repair shop with a job on the bench.

Like an entry point, it drives the commands of nearly every area, so it takes the wired container
rather than a list of services; only `niaga serve --demo` and its test call it.

AI in the demo answers from a fake Gemini started in this process (unless NIAGA_AI_BASE_URL names
an endpoint), with a platform key made for it, so the demo works offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai.keys import AddAiKey
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import ReceiveJob
from application.routers.routers import AddRouter, UpdateRouter
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from application.vouchers.agents import EnrollAgent
from application.vouchers.voucher_batches import GenerateVouchers
from application.vouchers.vouchers import CreateVoucherProfile
from domain.billing.plan import BillingMode, ServiceType
from domain.shared.roles import Role
from domain.vouchers.voucher import ProfileTerms

DEMO_TENANT = "Warung Net Demo"
DEMO_ROUTER, DEMO_ROUTER_PASSWORD = "demo-core", "demo"
DEMO_PROFILES = ("10M", "30M", "isolir")
DEMO_HOTSPOT_PROFILES = ("3jam", "harian")
DEMO_SHOP_CODE = "DEMO01"
HOUR, DAY = 3600, 86_400
DEMO_PLANS = [("Paket Hemat 10 Mbps", 150_000, "10M"), ("Paket Keluarga 30 Mbps", 250_000, "30M")]
DEMO_CUSTOMERS = [
    RegisterCustomer(
        "Budi Santoso", "0812-3456-7890", "budi@example.id", None, "Jl. Merdeka 10, Bandung"
    ),
    RegisterCustomer(
        "Siti Rahayu", "0813 2222 3333", None, "3273016502900001", "Gg. Melati 3, Cimahi"
    ),
    RegisterCustomer("Agus Pratama", "+62 857 1234 5678", "agus@example.id"),
    RegisterCustomer("Dewi Lestari", "6281198765432", None, None, "Perum Griya Asri B-7"),
    RegisterCustomer("Rudi Hartono", "0878-5555-1212"),
]


DEMO_AI_KEY, DEMO_AI_LABEL = "demo-fake-gemini", "demo"


@dataclass(frozen=True)
class Demo:
    tenant_id: UUID
    api_key: str


def ensure_demo(niaga: Niaga, key_file: Path, router: tuple[str, int] | None = None) -> Demo:
    """Seed the demo tenant the first time; afterwards reuse it and its saved key. With a
    router address (the in-process RouterOS simulator) the demo router points at it."""
    existing = next((t for t in niaga.read_models.tenants() if t.name == DEMO_TENANT), None)
    if existing and key_file.exists():
        if router:
            _point_router(niaga, existing.id, router)
        return Demo(existing.id, key_file.read_text().strip())
    tenant_id = existing.id if existing else niaga.tenants.create(DEMO_TENANT, Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "demo")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key.token + "\n")
    key_file.chmod(0o600)
    if router:
        _point_router(niaga, tenant_id, router)
    if not existing:
        _seed(niaga, tenant_id)
    return Demo(tenant_id, key.token)


def demo_gemini(settings: Settings) -> FakeGemini | None:
    """A fake Gemini for the demo, unless the settings name an AI endpoint of their own."""
    return None if settings.niaga_ai_base_url else FakeGemini().start()


def ensure_demo_ai_key(niaga: Niaga) -> None:
    """The platform key the demo's AI uses (the fake takes any key): added unless one that is
    not disabled exists already."""
    keys = niaga.services.ai_queries.platform_keys()
    if any(k.label == DEMO_AI_LABEL and k.status != "disabled" for k in keys):
        return
    actor = Actor(ActorKind.SYSTEM, "demo-seed")
    niaga.services.ai_keys.add_platform_key(AddAiKey(DEMO_AI_KEY, DEMO_AI_LABEL), actor)


def _point_router(niaga: Niaga, tenant_id: UUID, address: tuple[str, int]) -> None:
    """The simulator listens on a new port each start: keep the demo router pointing at it."""
    seeder = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "demo-seed"))
    store = niaga.stores.for_tenant(tenant_id)
    host, port = address
    found = niaga.router_read_models.router_id(store, tenant_id, DEMO_ROUTER)
    if found:
        niaga.routers.update(seeder, UpdateRouter(found, host=host, port=port))
    else:
        niaga.routers.add(
            seeder, AddRouter(DEMO_ROUTER, host, "admin", DEMO_ROUTER_PASSWORD, port=port)
        )


def _seed(niaga: Niaga, tenant_id: UUID) -> None:
    """Customers on two plans, activated last month, so the first billing run has work."""
    seeder = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "demo-seed"))
    niaga.tenants.change_settings(tenant_id, pkp=True, invoice_prefix="WND", actor=seeder.actor)
    plans = [
        niaga.plans.create(
            seeder, CreatePlan(name, price, profile, ServiceType.PPPOE, BillingMode.POSTPAID)
        )
        for name, price, profile in DEMO_PLANS
    ]
    today = niaga.today(tenant_id)
    activated = today - timedelta(days=20)
    customer_ids = []
    for n, customer in enumerate(DEMO_CUSTOMERS):
        customer_id = niaga.customers.register(seeder, customer)
        customer_ids.append(customer_id)
        username = customer.name.split()[0].lower()
        niaga.subscriptions.subscribe(
            seeder,
            Subscribe(
                customer_id, plans[n % len(plans)], 10, DEMO_ROUTER, username, None, activated
            ),
        )
    _seed_vouchers(niaga, seeder)
    _seed_repair_shop(niaga, seeder, customer_ids[0])


def _seed_vouchers(niaga: Niaga, seeder: Principal) -> None:
    """Two voucher profiles on the demo router, an agent with a sub-agent, and some stock."""
    store = niaga.stores.for_tenant(seeder.tenant_id)
    router_id = niaga.router_read_models.router_id(store, seeder.tenant_id, DEMO_ROUTER)
    if router_id is None:
        return  # no router to sell hotspot access on
    vouchers = niaga.vouchers
    vouchers.service.configure(seeder, "http://hotspot.warungnet.id/login", [])
    for name, hours, validity, cost, price, agent_prices in (
        ("3jam", 3, DAY, 1_500, 3_000, [2_500, 2_750]),
        ("harian", 24, 7 * DAY, 4_000, 7_000, [6_000, 6_500]),
    ):
        terms = ProfileTerms.of(
            name,
            validity_seconds=validity,
            time_quota_seconds=hours * HOUR,
            cost_price=cost,
            selling_price=price,
            rate_limit="5M/5M",
            agent_prices=agent_prices,
            commission_kind="level_margin",
        )
        vouchers.service.create_profile(seeder, CreateVoucherProfile(name, router_id, terms))
    agent = vouchers.agents.enroll(seeder, EnrollAgent("Konter Jaya", "0812-7000-1001"))
    vouchers.agents.enroll(seeder, EnrollAgent("Warung Bu Sri", "0812-7000-1002", parent_id=agent))
    vouchers.agents.top_up(seeder, agent, 200_000, "demo-topup")
    vouchers.sales.assign_shop_code(seeder, agent, DEMO_SHOP_CODE)
    vouchers.batches.generate(seeder, GenerateVouchers("3jam", 20))
    vouchers.batches.buy(seeder, GenerateVouchers("harian", 5), agent)


def _seed_repair_shop(niaga: Niaga, seeder: Principal, customer_id: UUID) -> None:
    """A technician, two parts in stock and a phone waiting for diagnosis."""
    technician = niaga.repairs.add_technician(seeder, "Andi")
    for sku, name, cost, price, stock in (
        ("LCD-A12", "LCD Samsung A12", 350_000, 550_000, 3),
        ("BAT-RN8", "Baterai Redmi Note 8", 120_000, 200_000, 5),
    ):
        niaga.inventory.register(
            seeder, RegisterItem(sku, name, cost, price, reorder_point=1, opening_stock=stock)
        )
    niaga.repairs.receive(
        seeder,
        ReceiveJob(
            customer_id,
            "ponsel",
            "Samsung",
            "Galaxy A12",
            "layar retak, sentuhan tidak responsif",
            accessories=["charger"],
            technician_id=technician,
        ),
    )
