"""Property: whatever commands arrive, valid or not, live read models equal a rebuild from zero."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.ports import Placement
from domain.shared.errors import CustomerForgotten, DuplicateCustomer, InvalidValue
from domain.shared.personal_data import FORGOTTEN
from projections.catalog import by_name
from tests.conftest import REDIS_URL, principal_for
from tests.integration.read_models import assert_live_equals_rebuild, event_count, store_of

PROJECTIONS = ("tenants", "customer_list", "audit_log")

# (raw input, what it normalises to); invalid inputs normalise to None and must be refused
Value = tuple[str, str | None]

SUBSCRIBERS = ["81234567890", "81298765432", "85711112222", "8777000111", "2155501234"]
FORMATS = [
    lambda s: "0" + s,
    lambda s: "62" + s,
    lambda s: "+62 " + s,
    lambda s: f"0{s[:3]}-{s[3:7]}-{s[7:]}",
]
phones = st.builds(
    lambda s, f: (f(s), "+62" + s), st.sampled_from(SUBSCRIBERS), st.sampled_from(FORMATS)
)
names = (
    st.text(st.characters(categories=["L"]) | st.just(" "), min_size=1, max_size=30)
    .filter(lambda t: t.strip() != "")
    .map(lambda t: (t, t.strip()))
)
niks = st.from_regex(r"\A[0-9]{16}\Z").map(lambda n: (n, n))
emails = st.sampled_from(["Budi@Example.com", "siti@warung.id", "ani.s@mail.co.id"]).map(
    lambda e: (e, e.lower())
)
INVALID: dict[str, list[str]] = {
    "name": ["", "   ", "x" * 121],
    "phone": ["12345", "+6512345678", "0812", "", "08-abc-def"],
    "nik": ["123", "12345678901234567", "3171x34567890123"],
    "email": ["not-an-email", "budi@", "@example.com"],
}
invalid_fields = st.sampled_from(sorted(INVALID)).flatmap(
    lambda field: st.tuples(st.just(field), st.sampled_from(INVALID[field]))
)


@dataclass(frozen=True)
class Expected:
    name: str
    phone: str | None
    email: str | None
    nik: str | None
    forgotten: bool = False


class CustomersMachine(RuleBasedStateMachine):
    database_url = ""
    customers = Bundle("customers")

    def __init__(self) -> None:
        super().__init__()
        self.schema = f"p_{uuid.uuid4().hex[:10]}"
        self.niaga = Niaga.start(
            Settings(
                database_url=self.database_url,
                niaga_platform_schema=self.schema,
                niaga_env="test",
                redis_url=REDIS_URL,
            )
        )
        # Only the read models this property is about are kept live: every command pays for each.
        self.niaga.projections.projections = [by_name(n) for n in PROJECTIONS]
        self.owner = principal_for(self.niaga.tenants.create("Warung Net", Placement.SHARED))
        self.model: dict[uuid.UUID, Expected] = {}
        self.forgotten: list[uuid.UUID] = []

    def _holder(self, phone: str) -> uuid.UUID | None:
        live = [i for i, c in self.model.items() if c.phone == phone and not c.forgotten]
        return live[0] if live else None

    def _events(self) -> int:
        return event_count(self.niaga, self.schema)

    def _run(self, command: RegisterCustomer | ChangeCustomerContact | uuid.UUID) -> None:
        if isinstance(command, RegisterCustomer):
            self.niaga.customers.register(self.owner, command)
        elif isinstance(command, ChangeCustomerContact):
            self.niaga.customers.change_contact(self.owner, command)
        else:
            self.niaga.customers.forget(self.owner, command)

    def _refused(
        self, error: type[Exception], command: RegisterCustomer | ChangeCustomerContact | uuid.UUID
    ) -> None:
        before = self._events()
        with pytest.raises(error):
            self._run(command)
        assert self._events() == before, f"{command} was refused but stored events"

    @rule(
        target=customers,
        name=names,
        phone=phones,
        nik=st.none() | niks,
        email=st.none() | emails,
    )
    def register(self, name: Value, phone: Value, nik: Value | None, email: Value | None) -> object:
        command = RegisterCustomer(name[0], phone[0], email=email and email[0], nik=nik and nik[0])
        assert phone[1] is not None
        assert name[1] is not None
        if self._holder(phone[1]):
            self._refused(DuplicateCustomer, command)
            return multiple()
        customer_id = self.niaga.customers.register(self.owner, command)
        self.model[customer_id] = Expected(name[1], phone[1], email and email[1], nik and nik[1])
        return customer_id

    @rule(name=names, phone=phones, invalid=invalid_fields)
    def register_with_an_invalid_field(
        self, name: Value, phone: Value, invalid: tuple[str, str]
    ) -> None:
        fields = {"name": name[0], "phone": phone[0], invalid[0]: invalid[1]}
        self._refused(InvalidValue, RegisterCustomer(**fields))

    @rule(
        customer=customers,
        name=st.none() | names,
        phone=st.none() | phones,
        email=st.none() | emails | st.just(("", None)),
        nik=st.none() | niks | st.just(("", None)),
    )
    def change_contact(
        self,
        customer: uuid.UUID,
        name: Value | None,
        phone: Value | None,
        email: Value | None,
        nik: Value | None,
    ) -> None:
        command = ChangeCustomerContact(
            customer,
            name=name and name[0],
            phone=phone and phone[0],
            email=email and email[0],
            nik=nik and nik[0],
        )
        current = self.model[customer]
        holder = self._holder(phone[1]) if phone and phone[1] else None
        if holder not in (None, customer):
            self._refused(DuplicateCustomer, command)
            return
        self.niaga.customers.change_contact(self.owner, command)
        self.model[customer] = replace(
            current,
            name=name[1] if name else current.name,
            phone=phone[1] if phone else current.phone,
            email=email[1] if email else current.email,
            nik=nik[1] if nik else current.nik,
        )

    @rule(customer=customers, invalid=invalid_fields)
    def change_contact_with_an_invalid_field(
        self, customer: uuid.UUID, invalid: tuple[str, str]
    ) -> None:
        command = ChangeCustomerContact(customer, **{invalid[0]: invalid[1]})
        self._refused(InvalidValue, command)

    @rule(customer=consumes(customers))
    def forget(self, customer: uuid.UUID) -> None:
        self.niaga.customers.forget(self.owner, customer)
        self.model[customer] = Expected(FORGOTTEN, None, None, None, forgotten=True)
        self.forgotten.append(customer)

    @precondition(lambda self: bool(self.forgotten))
    @rule(data=st.data(), name=names)
    def command_a_forgotten_customer(self, data: st.DataObject, name: Value) -> None:
        customer = data.draw(st.sampled_from(self.forgotten))
        self._refused(CustomerForgotten, ChangeCustomerContact(customer, name=name[0]))
        self._refused(CustomerForgotten, customer)

    @invariant()
    def the_customer_list_shows_what_was_accepted(self) -> None:
        page = self.niaga.queries.customers(self.owner, None, 100, None)
        shown = {c.id: Expected(c.name, c.phone, c.email, c.nik, c.forgotten) for c in page.items}
        assert shown == self.model

    def teardown(self) -> None:
        try:
            assert_live_equals_rebuild(self.niaga, store_of(self.niaga, self.owner.tenant_id))
        finally:
            with self.niaga.database.connection() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
                )
            self.niaga.close()


def test_live_read_models_equal_a_rebuild_from_zero_after_any_commands(database_url: str) -> None:
    CustomersMachine.database_url = database_url
    run_state_machine_as_test(
        CustomersMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
