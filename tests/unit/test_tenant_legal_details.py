"""A tenant's legal details: given a tenant, when its legal details change, then the events."""

from __future__ import annotations

import uuid

import pytest

from domain.platform.legal_details import MAX_BANK_ACCOUNTS, BankAccount, LegalDetails
from domain.platform.tenant import Tenant
from domain.shared.errors import InvalidValue

TENANT = uuid.UUID("3f0c8f4e-1d2a-4b6e-8c55-2a9d7e0b1c03")
BCA = BankAccount("BCA", "123-456-7890", "PT Jaringan Nusantara Digital")


def given_registered() -> Tenant:
    tenant = Tenant.register(TENANT, "Jaringan Nusantara", store="niaga")
    tenant.collect_events()
    return tenant


def given_details() -> Tenant:
    tenant = given_registered()
    tenant.change_legal_details(
        legal_name="PT Jaringan Nusantara Digital",
        address="Jl. Merdeka No. 10\nBandung 40111",
        npwp="0012345678901000",
        bank_accounts=[BCA],
    )
    tenant.collect_events()
    return tenant


def test_a_new_tenant_has_no_legal_details() -> None:
    assert given_registered().legal_details == LegalDetails()


def test_changing_legal_details_emits_them_trimmed_with_the_npwp_as_digits() -> None:
    tenant = given_registered()

    tenant.change_legal_details(
        legal_name="  PT Jaringan Nusantara Digital ",
        address=" Jl. Merdeka No. 10\nBandung 40111 ",
        npwp="01.234.567.8-901.000",
        bank_accounts=[BankAccount(" BCA ", " 123-456-7890 ", " PT Jaringan Nusantara Digital ")],
    )

    [changed] = tenant.collect_events()
    assert isinstance(changed, Tenant.LegalDetailsChanged)
    assert changed.details == LegalDetails(
        "PT Jaringan Nusantara Digital",
        "Jl. Merdeka No. 10\nBandung 40111",
        "012345678901000",
        (BCA,),
    )
    assert tenant.legal_details == changed.details


def test_what_is_not_given_is_kept_and_a_blank_text_removes_a_value() -> None:
    tenant = given_details()

    tenant.change_legal_details(npwp="3201012345678901", address="  ")

    [changed] = tenant.collect_events()
    assert changed.details == LegalDetails(  # type: ignore[attr-defined]
        "PT Jaringan Nusantara Digital", None, "3201012345678901", (BCA,)
    )


def test_a_list_of_bank_accounts_replaces_the_accounts() -> None:
    tenant = given_details()
    mandiri = BankAccount("Bank Mandiri", "1300012345678", "PT Jaringan Nusantara Digital")

    tenant.change_legal_details(bank_accounts=[mandiri])
    tenant.change_legal_details(bank_accounts=[])

    first, second = tenant.collect_events()
    assert first.details.bank_accounts == (mandiri,)  # type: ignore[attr-defined]
    assert second.details.bank_accounts == ()  # type: ignore[attr-defined]


def test_a_change_that_changes_nothing_records_nothing() -> None:
    tenant = given_details()

    tenant.change_legal_details(npwp="0012345678901000", bank_accounts=[BCA])

    assert tenant.collect_events() == []


@pytest.mark.parametrize(
    "npwp", ["12345678901234", "12345678901234567", "0123456789O1234", "NPWP", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥"]
)
def test_refuses_an_npwp_that_is_not_15_or_16_digits(npwp: str) -> None:
    tenant = given_details()

    with pytest.raises(InvalidValue) as refused:
        tenant.change_legal_details(legal_name="PT Baru", npwp=npwp)

    assert (refused.value.code, refused.value.field) == ("INVALID_VALUE", "npwp")
    assert tenant.collect_events() == []
    assert tenant.legal_details.legal_name == "PT Jaringan Nusantara Digital"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_name": "PT Satu\nBaris"}, "legal_name"),
        ({"legal_name": "PT \x00 Nul"}, "legal_name"),
        ({"address": "Jl. Mawar\x07 5"}, "address"),
        ({"address": "x" * 501}, "address"),
        ({"bank_accounts": [BankAccount("", "1234567890", "Budi")]}, "bank_accounts[0].bank"),
        ({"bank_accounts": [BCA, BankAccount("BRI", "12ab", "Budi")]}, "bank_accounts[1].number"),
        (
            {"bank_accounts": [BankAccount("BRI", "1234567890", "Bu\tdi")]},
            "bank_accounts[0].holder",
        ),
        ({"bank_accounts": [BCA] * (MAX_BANK_ACCOUNTS + 1)}, "bank_accounts"),
    ],
)
def test_refuses_text_that_cannot_be_stored_or_printed_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    tenant = given_registered()

    with pytest.raises(InvalidValue) as refused:
        tenant.change_legal_details(**change)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert tenant.collect_events() == []
