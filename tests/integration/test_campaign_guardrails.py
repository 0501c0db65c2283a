"""A campaign driven by a controllable clock through several days: every guardrail holds."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.messaging.campaigns import CampaignRunner
from application.messaging.ports import Audience
from application.shared.context import Principal
from domain.messaging.campaign import CampaignRefused, Guardrails
from domain.shared.errors import InvalidValue
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    dispatcher_sending_inline,
    fonnte_fixture,
    message_log,
    use_cloud_api,
    whatsapp_settings,
)

ZONE = ZoneInfo("Asia/Makassar")  # the tenant's own time, UTC+8
FRIDAY = date(2026, 1, 9)


class ManualClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def _subscribers(niaga: Niaga, owner: Principal, count: int) -> list[UUID]:
    books = Books(niaga, owner)
    plan = books.plan("Rumah 20", 150_000)
    other = books.plan("Bisnis 50", 400_000)
    customers = []
    for n in range(count):
        customer = books.customer(f"Pelanggan {n}")
        books.subscribe(customer, plan, date(2026, 1, 1), f"user{n}")
        customers.append(customer)
    books.subscribe(books.customer("Bukan target"), other, date(2026, 1, 1), "other")
    books.caught_up()
    return customers


def _campaign(niaga: Niaga, owner: Principal, rails: Guardrails, start: datetime) -> UUID:
    campaigns = niaga.whatsapp.campaigns
    campaign_id = campaigns.create(
        owner,
        "Promo Februari",
        "broadcast_promo",
        {},
        Audience(plan="rumah 20"),
        rails,
    )
    campaigns.schedule(owner, campaign_id, start)
    return campaign_id


@pytest.fixture
def promo(niaga: Niaga, owner: Principal) -> None:
    niaga.tenants.change_settings(owner.tenant_id, timezone="Asia/Makassar")
    niaga.whatsapp.templates.set(owner, "broadcast_promo", "Halo {nama}, ada promo {paket}!")


def _run(
    niaga: Niaga, runner: CampaignRunner, clock: ManualClock, campaign_id: UUID, until: datetime
) -> list[datetime]:
    """Tick at the times the runner asks for, and at random moments in between (which must
    never send early); return the local times at which messages were queued."""
    store = niaga.stores.platform()
    jitter = random.Random(7)
    sent: list[datetime] = []
    done = 0
    while clock.current < until:
        wake = runner.tick(store)
        now_done = len(niaga.whatsapp.read_models.campaign_messaged(store, campaign_id))
        sent += [clock.current.astimezone(ZONE)] * (now_done - done)
        done = now_done
        if wake is None:
            break
        early = clock.current + (wake - clock.current) * jitter.uniform(0.05, 0.95)
        clock.current = early if jitter.random() < 0.5 and early > clock.current else wake
    return sent


def test_every_guardrail_holds_over_days_of_sending(
    niaga: Niaga, owner: Principal, promo: None
) -> None:
    customers = _subscribers(niaga, owner, 12)
    rails = Guardrails(skip_weekends=True, daily_cap=5)
    start = datetime(2026, 1, 9, 17, 55, tzinfo=ZONE)  # a Friday, five minutes before closing
    campaign_id = _campaign(niaga, owner, rails, start)
    clock = ManualClock(datetime(2026, 1, 9, 8, 0, tzinfo=ZONE))
    runner = CampaignRunner(
        niaga.stores,
        niaga.whatsapp.read_models,
        niaga.projections,
        clock.now,
        random.Random(3).uniform,
    )

    sent = _run(niaga, runner, clock, campaign_id, datetime(2026, 1, 20, tzinfo=ZONE))

    assert len(sent) == 12
    assert sent[0] == start
    for moment in sent:
        assert (
            datetime.min.time().replace(hour=9)
            <= moment.time()
            < moment.time().replace(hour=18, minute=0, second=0, microsecond=0)
        )
        assert moment.weekday() < 5, f"sent on a weekend: {moment}"
    per_day: dict[date, list[datetime]] = {}
    for moment in sent:
        per_day.setdefault(moment.date(), []).append(moment)
    assert [len(v) for v in per_day.values()] == [5, 5, 2]
    assert list(per_day) == [FRIDAY, date(2026, 1, 12), date(2026, 1, 13)]
    for day in per_day.values():
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(day)]
        assert all(30 <= g <= 60 for g in gaps), gaps
        assert len(day) < 3 or len(set(gaps)) > 1  # random, not a fixed beat
    assert per_day[date(2026, 1, 12)][0].time().hour == 9  # resumes at opening on Monday
    messaged = niaga.whatsapp.read_models.campaign_messaged(niaga.stores.platform(), campaign_id)
    assert messaged == set(customers)  # the other plan's subscriber was not in the audience
    [view] = niaga.whatsapp.read_models.campaigns(niaga.stores.platform(), owner.tenant_id)
    assert (view.state, view.recipients, view.stats["queued"]) == ("completed", 12, 12)


def test_the_emergency_stop_halts_sending_at_once(
    niaga: Niaga, owner: Principal, promo: None, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    _subscribers(niaga, owner, 6)
    start = datetime(2026, 1, 12, 10, 0, tzinfo=ZONE)
    campaign_id = _campaign(niaga, owner, Guardrails(), start)
    clock = ManualClock(start)
    runner = CampaignRunner(niaga.stores, niaga.whatsapp.read_models, niaga.projections, clock.now)
    store = niaga.stores.platform()
    sender = dispatcher_sending_inline(niaga, clock.now)  # it runs the campaigns too
    for _ in range(2):  # two messages queued and sent
        sender.dispatch()
        wake = runner.tick(store)
        assert wake is not None
        assert wake > clock.current  # the gap is not over yet
        clock.current = wake
    runner.tick(store)  # a third queued, not sent yet

    assert niaga.whatsapp.campaigns.stop_all(owner, "nomor diperingatkan") == 1
    for _ in range(5):
        clock.current += timedelta(minutes=5)
        assert runner.tick(store) is None
    sender.dispatch()

    statuses = sorted(e.status for e in message_log(niaga, owner, campaign_id=campaign_id))
    assert statuses == ["sent", "sent", "skipped_campaign_stopped"]
    assert len(cloud.requests) == 2
    assert cloud.requests[0].body["text"]["body"] == "Halo Pelanggan 0, ada promo Rumah 20!"
    with pytest.raises(CampaignRefused, match="already stopped"):
        niaga.whatsapp.campaigns.stop(owner, campaign_id, "lagi")
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("message_log", "campaign_list")
    )


def test_guardrails_outside_the_safe_ranges_are_refused() -> None:
    with pytest.raises(InvalidValue, match="daily cap must be 1-150"):
        Guardrails(daily_cap=500)
    with pytest.raises(InvalidValue, match="gaps must satisfy"):
        Guardrails(min_gap_seconds=5)
    with pytest.raises(InvalidValue, match="open before it closes"):
        Guardrails(window_start="18:00", window_end="09:00")
    with pytest.raises(InvalidValue, match="not a time of day"):
        Guardrails(window_start="9 pagi")


def test_an_empty_audience_cannot_be_scheduled(niaga: Niaga, owner: Principal, promo: None) -> None:
    campaigns = niaga.whatsapp.campaigns
    campaign_id = campaigns.create(
        owner, "Kosong", "broadcast_promo", {}, Audience(area="tidak-ada"), Guardrails()
    )
    with pytest.raises(CampaignRefused, match="audience is empty"):
        campaigns.schedule(owner, campaign_id, datetime(2026, 1, 12, 10, tzinfo=ZONE))


def test_campaign_statistics_count_deliveries_replies_and_opt_outs(
    niaga: Niaga, owner: Principal, promo: None, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    _subscribers(niaga, owner, 3)
    start = datetime(2026, 1, 12, 10, 0, tzinfo=ZONE)
    campaign_id = _campaign(niaga, owner, Guardrails(), start)
    clock = ManualClock(start)
    sender = dispatcher_sending_inline(niaga, clock.now)
    for _ in range(4):
        sender.dispatch()
        clock.current += timedelta(seconds=61)
    wamids = [e.provider_message_id for e in message_log(niaga, owner, campaign_id=campaign_id)]
    statuses, inbound = niaga.whatsapp.statuses, niaga.whatsapp.inbound

    assert statuses.report(owner.tenant_id, str(wamids[0]), "delivered", None)
    assert statuses.report(owner.tenant_id, str(wamids[1]), "read", None)
    assert statuses.report(owner.tenant_id, str(wamids[2]), "failed", "Message undeliverable")
    assert not statuses.report(owner.tenant_id, "wamid.unknown", "read", None)
    assert not statuses.report(owner.tenant_id, str(wamids[0]), "deleted", None)
    inbound.dispatch(owner.tenant_id, "6281200000001", "Terima kasih infonya", "in-1")
    inbound.dispatch(owner.tenant_id, "6281200000002", "STOP", "in-2")

    [view] = niaga.whatsapp.read_models.campaigns(niaga.stores.platform(), owner.tenant_id)
    assert view.state == "completed"
    assert view.stats == {
        "queued": 3,
        "sent": 3,
        "delivered": 2,
        "read": 1,
        "failed": 1,
        "replied": 2,
        "opted_out": 1,
        "waiting": 0,
    }
    failed = message_log(niaga, owner, status="failed")
    assert [e.error for e in failed] == ["Message undeliverable"]


def test_an_audience_can_be_chosen_by_tags(niaga: Niaga, owner: Principal, promo: None) -> None:
    customers = _subscribers(niaga, owner, 4)
    tags = niaga.whatsapp.tags
    assert tags.change(owner, customers[0], [" RT 05 ", "vip"], []) == ["rt 05", "vip"]
    tags.change(owner, customers[2], ["rt 05"], [])
    tags.change(owner, customers[3], ["rt 05"], ["rt 05"])
    with pytest.raises(InvalidValue, match="tag '#promo!' must be"):
        tags.change(owner, customers[1], ["#promo!"], [])
    campaigns = niaga.whatsapp.campaigns
    campaign_id = campaigns.create(
        owner, "RT 05", "broadcast_promo", {}, Audience(tags=("rt 05",)), Guardrails()
    )

    assert campaigns.schedule(owner, campaign_id, datetime(2026, 1, 12, 10, tzinfo=ZONE)) == 2
    store = store_of(niaga, owner.tenant_id)
    [view] = niaga.whatsapp.read_models.campaigns(store, owner.tenant_id)
    assert view.audience["tags"] == ["rt 05"]
    assert_live_equals_rebuild(niaga, store, ("customer_tags",))
