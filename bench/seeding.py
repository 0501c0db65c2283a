"""Seeds a store with customers quickly: many aggregates per save, keys created in bulk."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.shared.context import Actor, ActorKind, recording
from domain.customers.customer import Customer, CustomerPhone

BENCH_ACTOR = Actor(ActorKind.SYSTEM, "bench")
WAVE = 10_000  # customers held in memory at once
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def new_customer(tenant_id: UUID, i: int) -> Customer:
    return Customer.register(
        tenant_id,
        f"Pelanggan {i}",
        f"0812{i:08d}",
        email=f"pelanggan{i}@contoh.id",
        nik=f"{3171000000000000 + i}",
        address=f"Jl. Merdeka No. {i}, Jakarta Selatan",
    )


def seed_customers(
    niaga: Niaga,
    store: PostgresEventStore,
    tenant_id: UUID,
    customers: int,
    changes: int,
    batch: int,
    first: int = 0,
) -> int:
    """Register `customers` (each with its phone claim), then change each one's contact
    `changes` times, in waves, as the application would record them. Returns events saved."""
    saved = 0
    started = time.perf_counter()
    for wave_start in range(first, first + customers, WAVE):
        wave = range(wave_start, min(wave_start + WAVE, first + customers))
        people = [new_customer(tenant_id, i) for i in wave]
        _create_keys(niaga, store, [c.id for c in people])
        claims = [CustomerPhone.claim_new(tenant_id, c.phone, c.id) for c in people]
        for part in chunks(list(zip(people, claims, strict=True)), batch):
            saved += _save(store, tenant_id, "RegisterCustomer", [a for pair in part for a in pair])
        for round_ in range(1, changes + 1):
            for i, person in zip(wave, people, strict=True):
                person.change_contact(name=f"Pelanggan {i} ({round_})")
            for part in chunks(people, batch):
                saved += _save(store, tenant_id, "ChangeCustomerContact", part)
        elapsed = time.perf_counter() - started
        print(f"  seeded {saved:,} events ({saved / elapsed:,.0f} events/s)", flush=True)
    return saved


def _save(store: PostgresEventStore, tenant_id: UUID, command: str, objs: Sequence[Any]) -> int:
    with recording(command, actor=BENCH_ACTOR, tenant_id=tenant_id):
        return len(store.save(*objs))


def _create_keys(niaga: Niaga, store: PostgresEventStore, subjects: list[UUID]) -> None:
    """One statement for a wave's keys instead of three round trips per new customer."""
    with niaga.stores.database_for(store).connection() as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.personal_data_keys (subject_id, key) "
                "SELECT * FROM unnest(%s::uuid[], %s::bytea[])"
            ).format(sql.Identifier(store.ref.schema)),
            (subjects, [os.urandom(32) for _ in subjects]),
        )
    store.niaga_mapper.personal_data.prefetch(subjects)
