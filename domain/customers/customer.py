"""A subscriber or buyer of a tenant, with contact data that can be forgotten."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import CustomerForgotten, DuplicateCustomer
from domain.shared.personal_data import FORGOTTEN, CarriesPersonalData
from domain.shared.values import normalise_phone, require_text, validate_email, validate_nik

CONTACT_FIELDS = frozenset({"name", "phone", "email", "nik", "address"})


class Customer(Aggregate):
    """A customer's contact data is personal data: it is encrypted at rest and can be forgotten."""

    class Event(Aggregate.Event, CarriesPersonalData):
        personal_fields = CONTACT_FIELDS

    class Registered(Event, Aggregate.Created):
        tenant_id: UUID
        name: str
        phone: str
        email: str | None
        nik: str | None
        address: str | None
        phone_claim_id: UUID  # not personal: lets the number be released once it is unreadable

    class ContactChanged(Event):
        """Carries the whole contact after the change."""

        name: str
        phone: str
        email: str | None
        nik: str | None
        address: str | None
        phone_claim_id: UUID

    class Forgotten(Event):
        """Personal data was erased: the subject's key is destroyed."""

        erases_subject = True

    @event(Registered)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        phone: str,
        email: str | None,
        nik: str | None,
        address: str | None,
        phone_claim_id: UUID,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.phone = phone
        self.email = email
        self.nik = nik
        self.address = address
        self.phone_claim_id = phone_claim_id
        self.forgotten = False

    @classmethod
    def register(
        cls,
        tenant_id: UUID,
        name: str,
        phone: str,
        email: str | None = None,
        nik: str | None = None,
        address: str | None = None,
    ) -> Customer:
        number = normalise_phone(phone)
        return cls(
            tenant_id=tenant_id,
            name=require_text(name, "name", 120),
            phone=number,
            phone_claim_id=CustomerPhone.id_for(tenant_id, number),
            email=validate_email(email) if email else None,
            nik=validate_nik(nik) if nik else None,
            address=require_text(address, "address", 500) if address else None,
        )

    def change_contact(
        self,
        *,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        nik: str | None = None,
        address: str | None = None,
    ) -> None:
        """Change the given contact fields; fields left as None keep their value."""
        self._refuse_if_forgotten()
        changes = _contact_changes(name=name, phone=phone, email=email, nik=nik, address=address)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            contact = {k: changed.get(k, getattr(self, k)) for k in CONTACT_FIELDS}
            claim = CustomerPhone.id_for(self.tenant_id, str(contact["phone"]))
            self._contact_changed(**contact, phone_claim_id=claim)

    @event(ContactChanged)
    def _contact_changed(
        self,
        name: str,
        phone: str,
        email: str | None,
        nik: str | None,
        address: str | None,
        phone_claim_id: UUID,
    ) -> None:
        self.name, self.phone, self.email, self.nik, self.address = name, phone, email, nik, address
        self.phone_claim_id = phone_claim_id

    def forget(self) -> None:
        """Erase personal data for good; history and amounts stay."""
        self._refuse_if_forgotten()
        self._forgotten()

    @event(Forgotten)
    def _forgotten(self) -> None:
        self.name = self.phone = FORGOTTEN
        self.email = self.nik = self.address = None
        self.forgotten = True

    def _refuse_if_forgotten(self) -> None:
        if self.forgotten:
            raise CustomerForgotten(f"customer {self.id} has been forgotten")


def _contact_changes(**raw: str | None) -> dict[str, str | None]:
    validators: dict[str, Callable[[str], str]] = {
        "name": lambda v: require_text(v, "name", 120),
        "phone": normalise_phone,
        "email": validate_email,
        "nik": validate_nik,
        "address": lambda v: require_text(v, "address", 500),
    }
    changes: dict[str, str | None] = {}
    for field, value in raw.items():
        if value is None:
            continue
        if value == "" and field in {"email", "nik", "address"}:
            changes[field] = None  # an empty optional field clears it
        else:
            changes[field] = validators[field](value)
    return changes


class CustomerPhone(Aggregate):
    """Claims a phone number for one customer within a tenant, so duplicates are refused.

    Its id derives from tenant and number, so two registrations racing for one number collide in the
    event store and only one is recorded.
    """

    @staticmethod
    def id_for(tenant_id: UUID, phone: str) -> UUID:
        return uuid5(tenant_id, f"customer-phone:{phone}")

    @classmethod
    def claim_new(cls, tenant_id: UUID, phone: str, customer_id: UUID) -> CustomerPhone:
        # The number itself is not stored: only the id derived from it.
        return cls(id=cls.id_for(tenant_id, phone), customer_id=customer_id)

    class Claimed(Aggregate.Created):
        customer_id: UUID

    class Reclaimed(Aggregate.Event):
        customer_id: UUID

    class Released(Aggregate.Event):
        pass

    @event(Claimed)
    def __init__(self, id: UUID, customer_id: UUID) -> None:
        self.customer_id: UUID | None = customer_id

    def claim(self, customer_id: UUID) -> None:
        if self.customer_id is not None and self.customer_id != customer_id:
            raise DuplicateCustomer(
                "a customer with this phone number is already registered", field="phone"
            )
        if self.customer_id is None:
            self._reclaimed(customer_id=customer_id)

    @event(Reclaimed)
    def _reclaimed(self, customer_id: UUID) -> None:
        self.customer_id = customer_id

    def release(self) -> None:
        if self.customer_id is not None:
            self._released()

    @event(Released)
    def _released(self) -> None:
        self.customer_id = None
