"""Customers through the application services and queries, on real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound, PermissionDenied, UnknownTenant
from application.shared.ports import Placement
from domain.shared.errors import DomainError, DuplicateCustomer, InvalidNik, InvalidPhoneNumber
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import event_count, store_of

BUDI = RegisterCustomer(
    "Budi Santoso", "0812-3456-7890", email="budi@example.com", nik="3171234567890123"
)


def _events(niaga: Niaga, principal: Principal) -> int:
    return event_count(niaga, store_of(niaga, principal.tenant_id).ref.schema)


def test_a_registered_customer_is_listed_with_normalised_contact_data(
    niaga: Niaga, owner: Principal
) -> None:
    customer_id = niaga.customers.register(owner, BUDI)

    page = niaga.queries.customers(owner, None, 10, None)

    [view] = page.items
    assert (view.id, view.tenant_id, view.name, view.phone, view.email, view.nik) == (
        customer_id,
        owner.tenant_id,
        "Budi Santoso",
        "+6281234567890",
        "budi@example.com",
        "3171234567890123",
    )
    assert not view.forgotten
    assert (page.total_count, page.has_next_page) == (1, False)
    assert niaga.queries.customer(owner, customer_id) == view


@pytest.mark.parametrize(
    "search", ["budi", "SANTOSO", "081234567890", "0812", "+6281234567890", "6281234"]
)
def test_finds_a_customer_by_name_or_by_phone_in_any_form(
    niaga: Niaga, owner: Principal, search: str
) -> None:
    budi = niaga.customers.register(owner, BUDI)
    niaga.customers.register(owner, RegisterCustomer("Siti Rahmawati", "0857-1111-2222"))

    page = niaga.queries.customers(owner, search, 10, None)

    assert [c.id for c in page.items] == [budi]
    assert page.total_count == 1


def test_a_search_with_like_wildcards_matches_them_literally(
    niaga: Niaga, owner: Principal
) -> None:
    niaga.customers.register(owner, BUDI)

    assert niaga.queries.customers(owner, "%", 10, None).items == []
    assert niaga.queries.customers(owner, "b_di", 10, None).items == []
    assert len(niaga.queries.customers(owner, "   ", 10, None).items) == 1


def test_pages_through_customers_with_a_cursor_without_duplicates_or_gaps(
    niaga: Niaga, owner: Principal
) -> None:
    registered = [
        niaga.customers.register(owner, RegisterCustomer(f"Pelanggan {i}", f"08123450000{i}"))
        for i in range(7)
    ]

    seen: list[uuid.UUID] = []
    pages = []
    after = None
    while True:
        page = niaga.queries.customers(owner, None, 3, after)
        pages.append(page)
        seen += [c.id for c in page.items]
        if not page.has_next_page:
            break
        after = page.end_cursor

    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert {p.total_count for p in pages} == {7}
    assert seen == registered  # in registration order, each once


def test_a_search_pages_through_its_matches_only(niaga: Niaga, owner: Principal) -> None:
    for i in range(5):
        niaga.customers.register(owner, RegisterCustomer(f"Ani {i}", f"08123450000{i}"))
        niaga.customers.register(owner, RegisterCustomer(f"Dewi {i}", f"08573450000{i}"))

    first = niaga.queries.customers(owner, "ani", 2, None)
    rest = niaga.queries.customers(owner, "ani", 10, first.end_cursor)

    assert first.total_count == 5
    assert [c.name for c in first.items + rest.items] == [f"Ani {i}" for i in range(5)]


def test_refuses_a_malformed_cursor_and_a_page_size_out_of_range(
    niaga: Niaga, owner: Principal
) -> None:
    with pytest.raises(ApplicationError):
        niaga.queries.customers(owner, None, 10, "not a cursor")
    with pytest.raises(ApplicationError):
        niaga.queries.customers(owner, None, 0, None)
    with pytest.raises(ApplicationError):
        niaga.queries.customers(owner, None, 101, None)


def test_refuses_a_second_customer_with_the_same_phone_and_stores_nothing(
    niaga: Niaga, owner: Principal
) -> None:
    niaga.customers.register(owner, BUDI)
    before = _events(niaga, owner)

    with pytest.raises(DuplicateCustomer) as refused:
        niaga.customers.register(owner, RegisterCustomer("Budi Lain", "+62 812 3456 7890"))

    assert refused.value.field == "phone"
    assert _events(niaga, owner) == before
    assert niaga.queries.customers(owner, None, 10, None).total_count == 1


def test_of_eight_registrations_racing_for_one_phone_exactly_one_is_recorded(
    niaga: Niaga, owner: Principal
) -> None:
    start = threading.Barrier(8)

    def register(i: int) -> uuid.UUID | None:
        start.wait()
        try:
            return niaga.customers.register(owner, RegisterCustomer(f"Budi {i}", "081234567890"))
        except DuplicateCustomer:
            return None

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(register, range(8)))

    [winner] = [o for o in outcomes if o is not None]
    assert [c.id for c in niaga.queries.customers(owner, None, 10, None).items] == [winner]


def test_a_principal_of_a_tenant_that_does_not_exist_is_refused(niaga: Niaga) -> None:
    stranger = principal_for(uuid.uuid4())

    with pytest.raises(UnknownTenant):
        niaga.customers.register(stranger, BUDI)
    with pytest.raises(UnknownTenant):
        niaga.queries.customers(stranger, None, 10, None)


def test_the_same_phone_may_belong_to_customers_of_different_tenants(
    niaga: Niaga, owner: Principal
) -> None:
    other = principal_for(niaga.tenants.create("Hotspot Lain", Placement.SHARED))

    niaga.customers.register(owner, BUDI)
    niaga.customers.register(other, BUDI)

    assert niaga.queries.customers(other, None, 10, None).total_count == 1


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (RegisterCustomer("Budi", "12345"), InvalidPhoneNumber),
        (RegisterCustomer("Budi", "+6512345678"), InvalidPhoneNumber),
        (RegisterCustomer("Budi", "081234567890", nik="12345"), InvalidNik),
        (RegisterCustomer("  ", "081234567890"), DomainError),
    ],
)
def test_refuses_invalid_contact_data_and_stores_nothing(
    niaga: Niaga, owner: Principal, command: RegisterCustomer, error: type[Exception]
) -> None:
    before = _events(niaga, owner)

    with pytest.raises(error):
        niaga.customers.register(owner, command)

    assert _events(niaga, owner) == before
    assert niaga.queries.customers(owner, None, 10, None).total_count == 0


def test_changing_contact_data_shows_in_the_list_and_moves_the_phone(
    niaga: Niaga, owner: Principal
) -> None:
    budi = niaga.customers.register(owner, BUDI)

    niaga.customers.change_contact(
        owner, ChangeCustomerContact(budi, phone="0857-9999-0000", email="")
    )

    view = niaga.queries.customer(owner, budi)
    assert (view.phone, view.email, view.nik) == ("+6285799990000", None, "3171234567890123")
    assert [c.id for c in niaga.queries.customers(owner, "085799990000", 10, None).items] == [budi]
    assert niaga.queries.customers(owner, "081234567890", 10, None).items == []
    # the old number is free again, the new one is taken
    niaga.customers.register(owner, RegisterCustomer("Ani", "081234567890"))
    with pytest.raises(DuplicateCustomer):
        niaga.customers.register(owner, RegisterCustomer("Dewi", "085799990000"))


def test_refuses_to_move_a_customer_to_a_phone_another_customer_holds(
    niaga: Niaga, owner: Principal
) -> None:
    budi = niaga.customers.register(owner, BUDI)
    niaga.customers.register(owner, RegisterCustomer("Siti", "0857-1111-2222"))
    before = _events(niaga, owner)

    with pytest.raises(DuplicateCustomer):
        niaga.customers.change_contact(owner, ChangeCustomerContact(budi, phone="085711112222"))

    assert _events(niaga, owner) == before
    assert niaga.queries.customer(owner, budi).phone == "+6281234567890"
    # the failed command left nothing behind in the aggregate cache either
    niaga.customers.change_contact(owner, ChangeCustomerContact(budi, name="Budi S."))
    assert niaga.queries.customer(owner, budi).phone == "+6281234567890"


def test_a_customer_can_move_back_to_a_phone_it_held_before(niaga: Niaga, owner: Principal) -> None:
    budi = niaga.customers.register(owner, BUDI)

    niaga.customers.change_contact(owner, ChangeCustomerContact(budi, phone="085711112222"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(budi, phone="081234567890"))

    assert niaga.queries.customer(owner, budi).phone == "+6281234567890"
    with pytest.raises(DuplicateCustomer):
        niaga.customers.register(owner, RegisterCustomer("Ani", "081234567890"))
    niaga.customers.register(owner, RegisterCustomer("Dewi", "085711112222"))


@pytest.mark.parametrize("placement", [Placement.SHARED, Placement.OWN_SCHEMA])
def test_a_principal_of_another_tenant_can_neither_see_nor_change_a_customer(
    niaga: Niaga, owner: Principal, placement: Placement
) -> None:
    budi = niaga.customers.register(owner, BUDI)
    intruder = principal_for(niaga.tenants.create("Tenant B", placement))
    before = _events(niaga, owner)

    assert niaga.queries.customers(intruder, None, 10, None).items == []
    assert niaga.queries.customers(intruder, "budi", 10, None).total_count == 0
    with pytest.raises(NotFound):
        niaga.queries.customer(intruder, budi)
    with pytest.raises(NotFound):
        niaga.customers.change_contact(intruder, ChangeCustomerContact(budi, name="Hacked"))
    with pytest.raises(NotFound):
        niaga.customers.forget(intruder, budi)
    assert niaga.queries.audit_log(intruder, budi, 10, None).items == []

    assert _events(niaga, owner) == before
    assert niaga.queries.customer(owner, budi).name == "Budi Santoso"


def test_an_unknown_customer_is_not_found(niaga: Niaga, owner: Principal) -> None:
    with pytest.raises(NotFound):
        niaga.queries.customer(owner, uuid.uuid4())
    with pytest.raises(NotFound):
        niaga.customers.change_contact(owner, ChangeCustomerContact(uuid.uuid4(), name="X"))


def test_staff_may_register_and_change_customers_but_not_forget_them(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    staff = principal_for(tenant_id, Role.STAFF)

    budi = niaga.customers.register(staff, BUDI)
    niaga.customers.change_contact(staff, ChangeCustomerContact(budi, name="Budi S."))
    with pytest.raises(PermissionDenied):
        niaga.customers.forget(staff, budi)

    assert not niaga.queries.customer(staff, budi).forgotten


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR, Role.AGENT])
def test_roles_without_write_access_may_not_register_customers(
    niaga: Niaga, tenant_id: uuid.UUID, role: Role
) -> None:
    principal = principal_for(tenant_id, role)
    before = _events(niaga, principal)

    with pytest.raises(PermissionDenied):
        niaga.customers.register(principal, BUDI)

    assert _events(niaga, principal) == before


def test_an_agent_may_not_read_customers(niaga: Niaga, tenant_id: uuid.UUID) -> None:
    agent = principal_for(tenant_id, Role.AGENT)
    budi = niaga.customers.register(principal_for(tenant_id), BUDI)

    with pytest.raises(PermissionDenied):
        niaga.queries.customers(agent, None, 10, None)
    with pytest.raises(PermissionDenied):
        niaga.queries.customer(agent, budi)


def test_an_auditor_may_read_the_audit_log_and_staff_may_not(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    budi = niaga.customers.register(principal_for(tenant_id), BUDI)

    entries = niaga.queries.audit_log(principal_for(tenant_id, Role.AUDITOR), budi, 10, None)

    assert [e.action for e in entries.items] == ["Customer.Registered"]
    with pytest.raises(PermissionDenied):
        niaga.queries.audit_log(principal_for(tenant_id, Role.STAFF), budi, 10, None)


def test_a_phone_typed_with_separators_is_found(niaga: Niaga, owner: Principal) -> None:
    niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    found = niaga.queries.customers(owner, "0812-3456 7890", 10, None)
    assert [c.name for c in found.items] == ["Budi"]
