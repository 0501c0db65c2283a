"""Demo data for the embedded default: one tenant, an owner API key and a few customers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from adapters.bootstrap import Niaga
from application.context import Actor, ActorKind, Principal
from application.customers import RegisterCustomer
from application.ports import Placement
from domain.roles import Role

DEMO_TENANT = "Warung Net Demo"
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


@dataclass(frozen=True)
class Demo:
    tenant_id: UUID
    api_key: str


def ensure_demo(niaga: Niaga, key_file: Path) -> Demo:
    """Seed the demo tenant the first time; afterwards reuse it and its saved key."""
    existing = next((t for t in niaga.read_models.tenants() if t.name == DEMO_TENANT), None)
    if existing and key_file.exists():
        return Demo(existing.id, key_file.read_text().strip())
    tenant_id = existing.id if existing else niaga.tenants.create(DEMO_TENANT, Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "demo")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key.token + "\n")
    key_file.chmod(0o600)
    if not existing:
        seeder = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "demo-seed"))
        for customer in DEMO_CUSTOMERS:
            niaga.customers.register(seeder, customer)
    return Demo(tenant_id, key.token)
