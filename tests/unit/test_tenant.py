"""Tenant: given events, when a command, then the events emitted."""

import uuid

import pytest

from domain.platform.tenant import Tenant
from domain.shared.errors import ApiKeyNotFound, InvalidValue
from domain.shared.roles import Role

TENANT = uuid.UUID("3f0c8f4e-1d2a-4b6e-8c55-2a9d7e0b1c02")


def given_registered() -> Tenant:
    tenant = Tenant.register(TENANT, "Warung Net Sejahtera", store="niaga")
    tenant.collect_events()
    return tenant


def given_key(key_id: str = "k1") -> Tenant:
    tenant = given_registered()
    tenant.issue_api_key(key_id, "hash-of-secret", Role.STAFF, "front desk")
    tenant.collect_events()
    return tenant


def test_registering_emits_registered_with_the_trimmed_name_and_its_store() -> None:
    tenant = Tenant.register(TENANT, "  Warung Net Sejahtera ", store="t_0123")

    [registered] = tenant.collect_events()

    assert isinstance(registered, Tenant.Registered)
    assert registered.originator_id == TENANT
    assert (registered.name, registered.store) == ("Warung Net Sejahtera", "t_0123")
    assert (tenant.pkp, tenant.invoice_prefix, tenant.timezone) == (False, "INV", "Asia/Jakarta")
    assert tenant.tenant_id == TENANT


def test_refuses_to_register_a_tenant_without_a_name() -> None:
    with pytest.raises(InvalidValue) as refused:
        Tenant.register(TENANT, "  ", store="niaga")
    assert refused.value.field == "name"


def test_renaming_emits_renamed() -> None:
    tenant = given_registered()

    tenant.rename(" Sejahtera Hotspot ")

    [renamed] = tenant.collect_events()
    assert isinstance(renamed, Tenant.Renamed)
    assert renamed.name == "Sejahtera Hotspot"


def test_refuses_an_empty_name_when_renaming() -> None:
    tenant = given_registered()

    with pytest.raises(InvalidValue):
        tenant.rename("")
    assert tenant.collect_events() == []


def test_changing_settings_emits_settings_changed_keeping_what_was_not_given() -> None:
    tenant = given_registered()

    tenant.change_settings(pkp=True, invoice_prefix=" wns/inv- ")
    tenant.change_settings(timezone="Asia/Makassar")

    first, second = tenant.collect_events()
    assert isinstance(first, Tenant.SettingsChanged)
    assert (first.pkp, first.invoice_prefix, first.timezone) == (True, "WNS/INV-", "Asia/Jakarta")
    assert (second.pkp, second.invoice_prefix, second.timezone) == (
        True,
        "WNS/INV-",
        "Asia/Makassar",
    )


@pytest.mark.parametrize("prefix", ["", "   ", "TOO-LONG-PREFIX", "INV 1", "INV#", "--"])
def test_refuses_an_invoice_prefix_that_is_not_short_letters_and_digits(prefix: str) -> None:
    tenant = given_registered()

    with pytest.raises(InvalidValue) as refused:
        tenant.change_settings(invoice_prefix=prefix)

    assert refused.value.field == "invoice_prefix"
    assert tenant.collect_events() == []


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "WIB", "", "asia/jakarta"])
def test_refuses_an_unknown_time_zone(zone: str) -> None:
    tenant = given_registered()

    with pytest.raises(InvalidValue) as refused:
        tenant.change_settings(pkp=True, timezone=zone)

    assert refused.value.field == "timezone"
    assert tenant.collect_events() == []
    assert not tenant.pkp


def test_issuing_an_api_key_emits_api_key_issued_with_its_role() -> None:
    tenant = given_registered()

    tenant.issue_api_key("k1", "hash-of-secret", Role.FINANCE, "  billing export  ")

    [issued] = tenant.collect_events()
    assert isinstance(issued, Tenant.ApiKeyIssued)
    assert (issued.key_id, issued.secret_hash, issued.role, issued.label) == (
        "k1",
        "hash-of-secret",
        "finance",
        "billing export",
    )
    assert tenant.api_keys["k1"].role is Role.FINANCE
    assert not tenant.api_keys["k1"].revoked


def test_revoking_an_api_key_emits_api_key_revoked_once() -> None:
    tenant = given_key("k1")

    tenant.revoke_api_key("k1")
    tenant.revoke_api_key("k1")

    [revoked] = tenant.collect_events()
    assert isinstance(revoked, Tenant.ApiKeyRevoked)
    assert revoked.key_id == "k1"
    assert tenant.api_keys["k1"].revoked


def test_refuses_to_revoke_an_api_key_the_tenant_does_not_have() -> None:
    tenant = given_key("k1")

    with pytest.raises(ApiKeyNotFound) as refused:
        tenant.revoke_api_key("k2")

    assert refused.value.field == "key_id"
    assert tenant.collect_events() == []
