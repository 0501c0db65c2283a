"""Customer use-cases: register, change contact, forget. Each is load, decide, save."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, load
from domain.customers.customer import Customer, CustomerPhone
from domain.shared.errors import DuplicateCustomer


@dataclass(frozen=True)
class RegisterCustomer:
    name: str
    phone: str
    email: str | None = None
    nik: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ChangeCustomerContact:
    customer_id: UUID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    address: str | None = None


class CustomerService:
    """Commands on customers, authorised per role and always within the caller's tenant."""

    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def register(self, principal: Principal, command: RegisterCustomer) -> UUID:
        authorize(principal, Permission.WRITE_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        customer = Customer.register(
            principal.tenant_id,
            command.name,
            command.phone,
            email=command.email,
            nik=command.nik,
            address=command.address,
        )
        claim = _claim_phone(store, principal.tenant_id, customer.phone, customer.id)
        self._save(store, principal, "RegisterCustomer", customer, claim)
        return customer.id

    def change_contact(self, principal: Principal, command: ChangeCustomerContact) -> None:
        authorize(principal, Permission.WRITE_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        customer = _load(store, principal.tenant_id, command.customer_id)
        old_claim = customer.phone_claim_id
        customer.change_contact(
            name=command.name,
            phone=command.phone,
            email=command.email,
            nik=command.nik,
            address=command.address,
        )
        changed: list[object] = [customer]
        if customer.phone_claim_id != old_claim:
            changed.append(_claim_phone(store, principal.tenant_id, customer.phone, customer.id))
            changed.append(_release_phone(store, old_claim))
        self._save(store, principal, "ChangeCustomerContact", *changed)

    def forget(self, principal: Principal, customer_id: UUID) -> None:
        """Erase a customer's personal data: destroy their key, then record that they are gone."""
        authorize(principal, Permission.FORGET_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        customer = _load(store, principal.tenant_id, customer_id)
        claim = customer.phone_claim_id
        customer.forget()
        # The key goes first: if the process dies here the data is already unreadable, and
        # repeating the command records the Forgotten event.
        store.niaga_mapper.personal_data.forget(customer_id)
        released = _release_phone_quietly(store, claim)
        self._save(store, principal, "ForgetCustomer", customer, released)

    def _save(self, store: EventStore, principal: Principal, command: str, *objs: object) -> None:
        conflict = _conflict(command) if command == "RegisterCustomer" else None
        self._saver.save(store, principal, command, *objs, conflict=conflict)


def _load(store: EventStore, tenant_id: UUID, customer_id: UUID) -> Customer:
    return load(store, Customer, customer_id, tenant_id, "customer")


def _claim_phone(
    store: EventStore, tenant_id: UUID, phone: str, customer_id: UUID
) -> CustomerPhone:
    index_id = CustomerPhone.id_for(tenant_id, phone)
    try:
        index: CustomerPhone = store.repository.get(index_id)
    except AggregateNotFoundError:
        return CustomerPhone.claim_new(tenant_id, phone, customer_id)
    index.claim(customer_id)
    return index


def _release_phone(store: EventStore, claim_id: UUID) -> CustomerPhone:
    # By the claim's id, not the number: the number may already be unreadable.
    index: CustomerPhone = store.repository.get(claim_id)
    index.release()
    return index


def _release_phone_quietly(store: EventStore, claim_id: UUID) -> object:
    try:
        return _release_phone(store, claim_id)
    except AggregateNotFoundError:
        return None


def _conflict(command: str) -> Exception:
    return DuplicateCustomer(
        "a customer with this phone number is already registered", field="phone"
    )
