"""Forgetting a customer: the key goes, the history stays and replays, and nothing is readable."""

from __future__ import annotations

import uuid

import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from domain.customers.customer import Customer
from domain.shared.errors import CustomerForgotten
from domain.shared.personal_data import FORGOTTEN
from tests.integration.read_models import assert_live_equals_rebuild, store_of

SITI = RegisterCustomer(
    "Siti Rahmawati",
    "0812-9876-5432",
    email="siti.rahmawati@example.com",
    nik="3273012345678901",
    address="Jl. Braga 5, Bandung",
)
PLAINTEXTS = (
    "Siti Rahmawati",
    "Rahmawati",
    "+6281298765432",
    "81298765432",
    "3273012345678901",
    "siti.rahmawati@example.com",
    "Braga",
)


def _events_containing(niaga: Niaga, schema: str, text: str) -> int:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {}.niaga_events "
                "WHERE position(convert_to(%s, 'UTF8') in state) > 0"
            ).format(sql.Identifier(schema)),
            (text,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _key_row(niaga: Niaga, schema: str, subject: uuid.UUID) -> tuple[bool, bool]:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT key IS NOT NULL, destroyed_at IS NOT NULL FROM {}.personal_data_keys "
                "WHERE subject_id = %s"
            ).format(sql.Identifier(schema)),
            (subject,),
        ).fetchone()
    assert row is not None
    return bool(row[0]), bool(row[1])


@pytest.fixture
def siti(niaga: Niaga, owner: Principal) -> uuid.UUID:
    customer_id = niaga.customers.register(owner, SITI)
    niaga.customers.change_contact(
        owner, ChangeCustomerContact(customer_id, name="Siti R. Rahmawati")
    )
    return customer_id


def test_personal_data_is_encrypted_at_rest_before_and_after_forgetting(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    schema = store_of(niaga, owner.tenant_id).ref.schema
    # the check can see plaintext: the tenant's name is not personal data and is stored as is
    assert _events_containing(niaga, schema, "Warung Net Sejahtera") == 1

    before = {text: _events_containing(niaga, schema, text) for text in PLAINTEXTS}
    niaga.customers.forget(owner, siti)
    after = {text: _events_containing(niaga, schema, text) for text in PLAINTEXTS}

    assert before == dict.fromkeys(PLAINTEXTS, 0)
    assert after == dict.fromkeys(PLAINTEXTS, 0)


def test_forgetting_tombstones_the_key(niaga: Niaga, owner: Principal, siti: uuid.UUID) -> None:
    schema = store_of(niaga, owner.tenant_id).ref.schema
    assert _key_row(niaga, schema, siti) == (True, False)

    niaga.customers.forget(owner, siti)

    assert _key_row(niaga, schema, siti) == (False, True)


def test_a_forgotten_customer_still_replays_in_this_process_and_in_a_fresh_one(
    niaga: Niaga, settings: Settings, owner: Principal, siti: uuid.UUID
) -> None:
    niaga.customers.forget(owner, siti)

    fresh = Niaga.start(settings)
    try:
        for app in (niaga, fresh):
            store = store_of(app, owner.tenant_id)
            replayed: Customer = store.repository.get(siti, version=3)  # bypasses the cache
            assert (replayed.version, replayed.forgotten) == (3, True)
            assert (replayed.name, replayed.phone, replayed.email) == (FORGOTTEN, FORGOTTEN, None)
            assert replayed.tenant_id == owner.tenant_id
            first: Customer = store.repository.get(siti, version=1)
            assert (first.name, first.phone, first.nik) == (FORGOTTEN,) * 3
    finally:
        fresh.close()


def test_the_customer_list_shows_a_forgotten_customer_with_id_and_version_kept(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    before = niaga.queries.customer(owner, siti)

    niaga.customers.forget(owner, siti)

    after = niaga.queries.customer(owner, siti)
    assert (after.id, after.tenant_id, after.registered_at) == (
        before.id,
        before.tenant_id,
        before.registered_at,
    )
    assert after.forgotten
    assert (after.name, after.phone, after.email, after.nik, after.address) == (
        FORGOTTEN,
        None,
        None,
        None,
        None,
    )
    assert niaga.queries.customers(owner, "siti", 10, None).items == []
    assert niaga.queries.customers(owner, "081298765432", 10, None).items == []
    assert niaga.queries.customers(owner, None, 10, None).total_count == 1


def test_the_audit_log_keeps_every_entry_but_shows_personal_data_as_forgotten(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    before = niaga.queries.audit_log(owner, siti, 100, None).items

    niaga.customers.forget(owner, siti)

    after = niaga.queries.audit_log(owner, siti, 100, None).items
    assert [(e.position, e.version, e.action) for e in after] == [
        *[(e.position, e.version, e.action) for e in before],
        (after[-1].position, 3, "Customer.Forgotten"),
    ]
    assert before[0].changes["name"] == {"old": None, "new": "Siti Rahmawati"}
    for entry in after:
        for field in ("name", "phone", "email", "nik", "address"):
            if field in entry.changes:
                assert set(entry.changes[field].values()) <= {FORGOTTEN, None}, entry
    assert after[0].changes["tenant_id"]["new"] == str(owner.tenant_id)
    text = repr(niaga.queries.audit_log(owner, None, 100, None).items)
    assert not [p for p in PLAINTEXTS if p in text]


def test_a_rebuild_from_zero_equals_the_live_read_models_after_forgetting(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890", email="b@example.com"))
    niaga.customers.forget(owner, siti)
    niaga.customers.register(owner, RegisterCustomer("Ani", "085711112222"))

    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id))


def test_a_forgotten_customer_refuses_further_commands(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    niaga.customers.forget(owner, siti)

    with pytest.raises(CustomerForgotten):
        niaga.customers.change_contact(owner, ChangeCustomerContact(siti, name="Siti"))
    with pytest.raises(CustomerForgotten):
        niaga.customers.forget(owner, siti)


def test_the_phone_of_a_forgotten_customer_is_free_for_a_new_customer(
    niaga: Niaga, owner: Principal, siti: uuid.UUID
) -> None:
    niaga.customers.forget(owner, siti)

    newcomer = niaga.customers.register(owner, RegisterCustomer("Dewi", "081298765432"))

    assert niaga.queries.customer(owner, newcomer).phone == "+6281298765432"


def test_repeating_a_forget_interrupted_after_the_key_was_destroyed_frees_the_phone(
    niaga: Niaga, settings: Settings, owner: Principal, siti: uuid.UUID
) -> None:
    store_of(niaga, owner.tenant_id).niaga_mapper.personal_data.forget(siti)  # then it died
    restarted = Niaga.start(settings)
    try:
        restarted.customers.forget(owner, siti)
        assert restarted.queries.customer(owner, siti).forgotten

        restarted.customers.register(owner, RegisterCustomer("Dewi", "081298765432"))
    finally:
        restarted.close()
