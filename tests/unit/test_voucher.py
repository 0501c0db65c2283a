"""Vouchers and their profiles (given-when-then on the aggregates), codes and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.routers.provisioning import HotspotUser
from domain.shared.errors import InvalidValue
from domain.vouchers.voucher import (
    ProfileTerms,
    Voucher,
    VoucherAlreadySold,
    VoucherBatch,
    VoucherProfile,
    VoucherStateError,
    VoucherStatus,
    hotspot_user_of,
)
from domain.vouchers.voucher_codes import (
    CHARSETS,
    CodeSpaceExhausted,
    CodeSpec,
    check_quantity,
    check_room,
    draw_codes,
    parse_duration,
    parse_size,
    redraw_taken,
    routeros_duration,
)

TENANT = uuid4()
NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _terms(**overrides: object) -> ProfileTerms:
    fields: dict[str, object] = {
        "validity_seconds": 3 * 3600,
        "cost_price": 1500,
        "selling_price": 3000,
        "time_quota_seconds": 3 * 3600,
        "data_quota_bytes": 500 * 1024**2,
        "agent_prices": (2000, 2300, 2500),
        "commission_kind": "level_margin",
    }
    fields.update(overrides)
    return ProfileTerms.of("3jam", **fields)  # type: ignore[arg-type]


def _profile(**overrides: object) -> VoucherProfile:
    return VoucherProfile.create(TENANT, "3JAM", uuid4(), _terms(**overrides))


def _voucher(username: str = "abc123", password: str = "abc123") -> Voucher:
    return Voucher.generate(TENANT, uuid4(), uuid4(), username, password)


def _names(aggregate: object) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]  # type: ignore[attr-defined]


def test_a_profile_is_found_by_its_name_in_any_case() -> None:
    profile = _profile()
    assert (
        profile.id
        == VoucherProfile.id_for(TENANT, "3jam")
        == VoucherProfile.id_for(TENANT, "3JAM ")
    )
    assert profile.id != VoucherProfile.id_for(uuid4(), "3JAM")


def test_a_profile_name_is_one_word() -> None:
    with pytest.raises(InvalidValue) as refused:
        VoucherProfile.create(TENANT, "3 jam", uuid4(), _terms())
    assert refused.value.field == "name"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("validity", {"validity_seconds": 0}),
        ("sharedUsers", {"shared_users": 0}),
        ("sellingPrice", {"selling_price": -1}),
        ("commissionKind", {"commission_kind": "pyramid"}),
        ("commissionValues", {"commission_kind": "margin_percent", "commission_values": (101,)}),
        ("agentPrices", {"agent_prices": (1, 2, 3, 4, 5, 6)}),
    ],
)
def test_profile_terms_refuse_values_that_make_no_sense(
    field: str, overrides: dict[str, object]
) -> None:
    with pytest.raises(InvalidValue) as refused:
        _terms(**overrides)
    assert refused.value.field == field


def test_updating_a_profile_records_the_new_terms_only_when_they_change() -> None:
    profile = _profile()
    profile.update(profile.terms.changed(selling_price=3500))
    profile.update(profile.terms.changed(selling_price=3500))
    assert _names(profile) == ["Created", "Updated"]
    assert profile.terms.selling_price == 3500
    assert profile.terms.cost_price == 1500


def test_agents_pay_their_level_price_and_deeper_levels_the_last_one() -> None:
    terms = _terms()
    assert [terms.price_for_level(level) for level in (1, 2, 3, 4)] == [2000, 2300, 2500, 2500]
    assert _terms(agent_prices=()).price_for_level(2) == 3000


def test_level_margin_gives_each_ancestor_the_gap_below_it() -> None:
    # A level 3 agent pays 2500: its parent (level 2, pays 2300) keeps 200, the grandparent
    # (level 1, pays 2000) keeps 300.
    assert _terms().commissions(3, 2) == [200, 300]


def test_fixed_and_percentage_commissions_follow_the_upline_depth() -> None:
    assert _terms(commission_kind="fixed", commission_values=(150, 50)).commissions(3, 2) == [
        150,
        50,
    ]
    percent = _terms(commission_kind="margin_percent", commission_values=(10, 5))
    # margin of a level 3 buyer: 2500 - 1500 = 1000
    assert percent.commissions(3, 2) == [100, 50]


def test_commissions_never_pay_out_more_than_the_margin() -> None:
    greedy = _terms(commission_kind="fixed", commission_values=(800, 800))
    assert greedy.commissions(3, 2) == [800, 200]


def test_a_voucher_id_derives_from_tenant_and_username() -> None:
    voucher = _voucher("kode42")
    assert voucher.id == Voucher.id_for(TENANT, "kode42")
    assert Voucher.id_for(uuid4(), "kode42") != voucher.id


def test_a_voucher_goes_from_generated_to_sold_to_active_to_expired() -> None:
    voucher = _voucher()
    agent = uuid4()
    voucher.sell(2300, NOON, agent)
    voucher.record_first_login(NOON + timedelta(hours=1), 3 * 3600)
    assert voucher.status is VoucherStatus.ACTIVE
    assert voucher.expires_at == NOON + timedelta(hours=4)
    assert not voucher.expire(NOON + timedelta(hours=3, minutes=59))
    assert voucher.expire(NOON + timedelta(hours=4))
    assert _names(voucher) == ["Generated", "Sold", "FirstLogin", "Expired"]
    assert voucher.agent_id == agent
    assert voucher.price == 2300


def test_a_voucher_cannot_be_sold_twice() -> None:
    voucher = _voucher()
    voucher.sell(3000, NOON)
    with pytest.raises(VoucherAlreadySold):
        voucher.sell(3000, NOON)


def test_a_repeated_first_login_changes_nothing() -> None:
    voucher = _voucher()
    voucher.record_first_login(NOON, 3600)
    voucher.record_first_login(NOON + timedelta(minutes=30), 3600)
    assert voucher.expires_at == NOON + timedelta(hours=1)
    assert _names(voucher) == ["Generated", "FirstLogin"]


def test_an_ended_voucher_cannot_log_in_or_be_revoked_again() -> None:
    voucher = _voucher()
    voucher.revoke("hilang", NOON)
    with pytest.raises(VoucherStateError):
        voucher.record_first_login(NOON, 3600)
    with pytest.raises(VoucherStateError):
        voucher.revoke("lagi", NOON)


def test_only_an_active_voucher_is_used_up() -> None:
    voucher = _voucher()
    with pytest.raises(VoucherStateError):
        voucher.use_up(NOON)
    voucher.record_first_login(NOON, 3600)
    voucher.use_up(NOON + timedelta(minutes=5))
    assert voucher.status is VoucherStatus.USED_UP


def test_the_router_holds_a_hotspot_user_until_the_voucher_ends() -> None:
    profile = _profile()
    voucher = _voucher("user1", "pass1")
    assert hotspot_user_of(voucher, profile) == HotspotUser(
        name="user1",
        password="pass1",
        profile="3jam",
        limit_uptime="3h",
        limit_bytes_total=500 * 1024**2,
        disabled=False,
        comment=f"niaga:{voucher.id}",
    )
    voucher.record_first_login(NOON, 60)
    voucher.expire(NOON + timedelta(minutes=1))
    assert hotspot_user_of(voucher, profile) is None


def test_a_batch_checks_its_quantity_against_its_code_space() -> None:
    spec = CodeSpec.of("vc", 3, "numeric")  # 1,000 codes
    assert VoucherBatch.generate(TENANT, uuid4(), 50, spec).quantity == 50
    with pytest.raises(InvalidValue) as refused:
        VoucherBatch.generate(TENANT, uuid4(), 51, spec)
    assert refused.value.field == "length"


@pytest.mark.parametrize("quantity", [0, -1, 100_001, True])
def test_a_batch_holds_one_to_a_hundred_thousand_vouchers(quantity: int) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_quantity(quantity)
    assert refused.value.field == "quantity"


@pytest.mark.parametrize(
    ("mode", "length", "charset", "prefix", "field"),
    [
        ("xx", 6, "numeric", "", "mode"),
        ("vc", 2, "numeric", "", "length"),
        ("vc", 17, "numeric", "", "length"),
        ("vc", 6, "emoji", "", "charset"),
        ("vc", 6, "numeric", "a-b", "prefix"),
        ("vc", 6, "numeric", "toolongpfx", "prefix"),
    ],
)
def test_a_code_spec_refuses_what_a_router_or_a_printer_cannot_take(
    mode: str, length: int, charset: str, prefix: str, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        CodeSpec.of(mode, length, charset, prefix)
    assert refused.value.field == field


def test_vc_codes_use_the_username_as_password_and_up_codes_do_not() -> None:
    (vc,) = draw_codes(CodeSpec.of("vc", 6, "upper", "HS"), 1)
    assert vc[0] == vc[1]
    assert vc[0].startswith("HS")
    assert len(vc[0]) == 8
    up = draw_codes(CodeSpec.of("up", 6, "lower_numeric"), 50)
    assert any(u != p for u, p in up)


def test_drawn_codes_avoid_the_taken_ones() -> None:
    spec = CodeSpec.of("vc", 3, "numeric")
    taken = {f"{n:03d}" for n in range(990)}
    drawn = draw_codes(spec, 10, taken)
    assert {u for u, _ in drawn} == {f"{n:03d}" for n in range(990, 1000)}


def test_a_code_space_holds_the_codes_of_its_shape_whichever_batch_drew_them() -> None:
    spec = CodeSpec.of("vc", 5, "numeric", "ee")
    assert (spec.space, spec.capacity) == (100_000, 5_000)
    assert spec.holds("ee01234")
    assert not spec.holds("ee0123")  # too short
    assert not spec.holds("ff01234")  # another prefix
    assert not spec.holds("ee0123a")  # a letter in a numeric space


def test_batches_may_fill_a_code_space_up_to_its_share_together() -> None:
    spec = CodeSpec.of("vc", 5, "numeric", "ee")
    check_room(spec, used=4_000, requested=1_000)
    with pytest.raises(CodeSpaceExhausted) as refused:
        check_room(spec, used=4_001, requested=1_000)
    error = refused.value
    assert (error.code, error.field) == ("CODE_SPACE_EXHAUSTED", "length")
    assert (error.space, error.used, error.requested) == (100_000, 4_001, 1_000)
    assert "100.000 codes" in error.message
    assert "4.001 are used" in error.message
    assert "1.000 more" in error.message


def test_drawing_from_a_space_without_enough_free_codes_is_refused_rather_than_endless() -> None:
    spec = CodeSpec.of("vc", 3, "numeric")
    taken = {f"{n:03d}" for n in range(995)} | {"not-in-this-space"}
    with pytest.raises(CodeSpaceExhausted) as refused:
        draw_codes(spec, 6, taken)
    assert (refused.value.used, refused.value.requested) == (995, 6)


def test_a_redraw_replaces_the_taken_codes_and_keeps_the_others_in_place() -> None:
    spec = CodeSpec.of("up", 3, "numeric")
    pairs = [("111", "p1"), ("222", "p2"), ("333", "p3"), ("444", "p4")]
    redrawn = redraw_taken(spec, pairs, {"222", "444", "999"})
    assert [redrawn[0], redrawn[2]] == [("111", "p1"), ("333", "p3")]
    new = {redrawn[1][0], redrawn[3][0]}
    assert len(new) == 2
    assert not new & {"111", "222", "333", "444", "999"}


@st.composite
def _crowded_draws(draw: st.DrawFn) -> tuple[CodeSpec, list[tuple[str, str]], set[str]]:
    """A spec, a batch drawn within the share of its space, and the codes found taken: some
    the batch drew, and others of the space."""
    spec = CodeSpec.of(
        draw(st.sampled_from(["vc", "up"])),
        draw(st.integers(3, 5)),
        draw(st.sampled_from(sorted(CHARSETS))),
        draw(st.text("abXY12", max_size=3)),
    )
    quantity = draw(st.integers(1, min(spec.capacity, 200)))
    pairs = draw_codes(spec, quantity)
    hits = draw(st.sets(st.sampled_from([u for u, _ in pairs]), max_size=quantity))
    others = draw_codes(spec, draw(st.integers(0, 300)), taken={u for u, _ in pairs})
    return spec, pairs, hits | {u for u, _ in others}


@settings(max_examples=200, deadline=None)
@given(case=_crowded_draws())
def test_redrawn_batches_have_unique_free_codes_of_their_shape(
    case: tuple[CodeSpec, list[tuple[str, str]], set[str]],
) -> None:
    spec, pairs, taken = case
    redrawn = redraw_taken(spec, pairs, taken)
    usernames = [u for u, _ in redrawn]
    assert len(usernames) == len(set(usernames)) == len(pairs)
    assert all(spec.holds(u) for u in usernames)
    assert not set(usernames) & taken
    assert [p for p in redrawn if p in pairs] == [p for p in pairs if p[0] not in taken]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("3h", 10_800), ("1d12h", 129_600), ("90m", 5_400), ("30d", 2_592_000), ("1w", 604_800)],
)
def test_durations_read_as_routeros_writes_them(raw: str, seconds: int) -> None:
    assert parse_duration(raw, "validity") == seconds
    assert parse_duration(routeros_duration(seconds), "validity") == seconds


@pytest.mark.parametrize("raw", ["3 jam", "h3", "0h", "3x"])
def test_a_malformed_duration_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_duration(raw, "validity")


def test_sizes_are_binary_units() -> None:
    assert parse_size("500M", "dataQuota") == 500 * 1024**2
    assert parse_size("2gb", "dataQuota") == 2 * 1024**3
    assert parse_size("", "dataQuota") is None
    with pytest.raises(InvalidValue):
        parse_size("lots", "dataQuota")
