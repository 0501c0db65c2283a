"""Customer and CustomerPhone: given events, when a command, then the events emitted."""

import uuid

import pytest

from domain.customers.customer import CONTACT_FIELDS, Customer, CustomerPhone
from domain.shared.errors import (
    CustomerForgotten,
    DuplicateCustomer,
    InvalidEmail,
    InvalidNik,
    InvalidPhoneNumber,
    InvalidValue,
)
from domain.shared.personal_data import FORGOTTEN

TENANT = uuid.UUID("7d1e0f9a-6c1b-4a52-9a51-1f7cb0a5c001")


def given_registered(**contact: str) -> Customer:
    """A customer whose Registered event has already been recorded."""
    customer = Customer.register(
        TENANT,
        contact.get("name", "Budi Santoso"),
        contact.get("phone", "0812-3456-7890"),
        email=contact.get("email", "budi@example.com"),
        nik=contact.get("nik", "3171234567890123"),
        address=contact.get("address", "Jl. Merdeka 1, Bandung"),
    )
    customer.collect_events()
    return customer


def given_forgotten() -> Customer:
    customer = given_registered()
    customer.forget()
    customer.collect_events()
    return customer


def test_registering_emits_registered_with_normalised_fields() -> None:
    customer = Customer.register(
        TENANT,
        "  Siti Rahmawati ",
        "+62 812 9876 5432",
        email="Siti@Example.com",
        nik="3273012345678901",
        address=" Jl. Braga 5 ",
    )

    [registered] = customer.collect_events()

    assert isinstance(registered, Customer.Registered)
    assert registered.originator_id == customer.id
    assert registered.originator_version == 1
    assert (
        registered.tenant_id,
        registered.name,
        registered.phone,
        registered.email,
        registered.nik,
        registered.address,
    ) == (
        TENANT,
        "Siti Rahmawati",
        "+6281298765432",
        "siti@example.com",
        "3273012345678901",
        "Jl. Braga 5",
    )


def test_registering_without_optional_fields_leaves_them_empty() -> None:
    [registered] = Customer.register(TENANT, "Budi", "081234567890").collect_events()

    assert (registered.email, registered.nik, registered.address) == (None, None, None)


@pytest.mark.parametrize(
    ("contact", "error"),
    [
        ({"phone": "12345"}, InvalidPhoneNumber),
        ({"nik": "123"}, InvalidNik),
        ({"email": "budi-at-example"}, InvalidEmail),
        ({"name": "   "}, InvalidValue),
        ({"name": "x" * 121}, InvalidValue),
    ],
)
def test_refuses_to_register_a_customer_with_invalid_contact_data(
    contact: dict[str, str], error: type[Exception]
) -> None:
    fields = {"name": "Budi", "phone": "081234567890", **contact}
    with pytest.raises(error):
        Customer.register(
            TENANT,
            fields["name"],
            fields["phone"],
            email=fields.get("email"),
            nik=fields.get("nik"),
        )


def test_changing_contact_emits_contact_changed_with_every_contact_field() -> None:
    customer = given_registered()

    customer.change_contact(phone="6281298765432", email="BUDI@warung.id")

    [changed] = customer.collect_events()
    assert isinstance(changed, Customer.ContactChanged)
    assert changed.originator_version == 2
    assert (changed.name, changed.phone, changed.email, changed.nik, changed.address) == (
        "Budi Santoso",
        "+6281298765432",
        "budi@warung.id",
        "3171234567890123",
        "Jl. Merdeka 1, Bandung",
    )
    assert (customer.phone, customer.email) == ("+6281298765432", "budi@warung.id")


def test_changing_contact_to_the_same_values_emits_nothing() -> None:
    customer = given_registered()

    customer.change_contact(
        name=" Budi Santoso ", phone="+62 812 3456 7890", email="BUDI@example.com"
    )
    customer.change_contact()

    assert customer.collect_events() == []


@pytest.mark.parametrize("field", ["email", "nik", "address"])
def test_an_empty_string_clears_an_optional_field(field: str) -> None:
    customer = given_registered()

    customer.change_contact(**{field: ""})

    [changed] = customer.collect_events()
    assert getattr(changed, field) is None
    assert getattr(customer, field) is None


def test_clearing_an_optional_field_that_is_already_empty_emits_nothing() -> None:
    customer = Customer.register(TENANT, "Budi", "081234567890")
    customer.collect_events()

    customer.change_contact(email="", nik="", address="")

    assert customer.collect_events() == []


@pytest.mark.parametrize("field", ["name", "phone"])
def test_an_empty_string_does_not_clear_a_required_field(field: str) -> None:
    customer = given_registered()

    with pytest.raises(InvalidValue):
        customer.change_contact(**{field: ""})
    assert customer.collect_events() == []


def test_refuses_a_contact_change_with_an_invalid_value_and_changes_nothing() -> None:
    customer = given_registered()

    with pytest.raises(InvalidPhoneNumber):
        customer.change_contact(name="Budi S.", phone="+6512345678")

    assert customer.collect_events() == []
    assert customer.name == "Budi Santoso"


def test_forgetting_emits_forgotten_and_blanks_personal_data() -> None:
    customer = given_registered()

    customer.forget()

    [forgotten] = customer.collect_events()
    assert isinstance(forgotten, Customer.Forgotten)
    assert forgotten.originator_version == 2
    assert (customer.name, customer.phone) == (FORGOTTEN, FORGOTTEN)
    assert (customer.email, customer.nik, customer.address) == (None, None, None)
    assert customer.forgotten
    assert customer.tenant_id == TENANT


def test_the_forgotten_event_carries_no_personal_data() -> None:
    customer = given_registered()
    customer.forget()
    [forgotten] = customer.collect_events()

    assert not CONTACT_FIELDS & vars(forgotten).keys()


def test_every_customer_event_names_its_personal_fields() -> None:
    assert {"name", "phone", "email", "nik", "address"} == CONTACT_FIELDS
    for event_class in (Customer.Registered, Customer.ContactChanged, Customer.Forgotten):
        assert event_class.personal_fields == CONTACT_FIELDS


def test_refuses_to_change_the_contact_of_a_forgotten_customer() -> None:
    customer = given_forgotten()

    with pytest.raises(CustomerForgotten):
        customer.change_contact(name="Budi")
    assert customer.collect_events() == []


def test_refuses_to_forget_a_customer_twice() -> None:
    customer = given_forgotten()

    with pytest.raises(CustomerForgotten):
        customer.forget()
    assert customer.collect_events() == []


def test_claiming_a_new_phone_emits_claimed_with_an_id_derived_from_tenant_and_number() -> None:
    customer_id = uuid.uuid4()

    phone = CustomerPhone.claim_new(TENANT, "+6281234567890", customer_id)

    [claimed] = phone.collect_events()
    assert isinstance(claimed, CustomerPhone.Claimed)
    assert claimed.originator_id == CustomerPhone.id_for(TENANT, "+6281234567890")
    assert claimed.customer_id == customer_id
    assert "+6281234567890" not in repr(vars(claimed))


def test_the_same_number_in_another_tenant_is_another_claim() -> None:
    other_tenant = uuid.uuid4()
    assert CustomerPhone.id_for(TENANT, "+6281234567890") != CustomerPhone.id_for(
        other_tenant, "+6281234567890"
    )


def given_claimed(customer_id: uuid.UUID) -> CustomerPhone:
    phone = CustomerPhone.claim_new(TENANT, "+6281234567890", customer_id)
    phone.collect_events()
    return phone


def test_refuses_a_claim_on_a_number_held_by_another_customer() -> None:
    phone = given_claimed(uuid.uuid4())

    with pytest.raises(DuplicateCustomer) as refused:
        phone.claim(uuid.uuid4())

    assert refused.value.field == "phone"
    assert phone.collect_events() == []


def test_claiming_a_number_the_customer_already_holds_emits_nothing() -> None:
    holder = uuid.uuid4()
    phone = given_claimed(holder)

    phone.claim(holder)

    assert phone.collect_events() == []


def test_releasing_a_number_emits_released_once() -> None:
    phone = given_claimed(uuid.uuid4())

    phone.release()
    phone.release()

    [released] = phone.collect_events()
    assert isinstance(released, CustomerPhone.Released)
    assert phone.customer_id is None


def test_a_released_number_can_be_reclaimed_by_another_customer() -> None:
    phone = given_claimed(uuid.uuid4())
    phone.release()
    phone.collect_events()
    newcomer = uuid.uuid4()

    phone.claim(newcomer)

    [reclaimed] = phone.collect_events()
    assert isinstance(reclaimed, CustomerPhone.Reclaimed)
    assert reclaimed.customer_id == newcomer
    assert phone.customer_id == newcomer
