"""`router_list` and `provisioning_status`: a tenant's routers, and whether each subscription's
state has reached its router (synced, pending, or failed with the router's message)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.billing.subscription import Subscription
from domain.routers.provisioning import HotspotUser, Provisioning
from domain.routers.router import Router
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import table

# Subscription events that change what its router should hold.
_CHANGES_ROUTER = (
    Subscription.Activated,
    Subscription.SoftLimited,
    Subscription.Suspended,
    Subscription.Reactivated,
    Subscription.PlanChanged,
    Subscription.Terminated,
)
_STATUS = (
    "subscription_id",
    "tenant_id",
    "router",
    "username",
    "desired_version",
    "synced_version",
    "status",
    "attempts",
    "last_error",
    "scheduled_change",
    "updated_at",
    "kind",
    "will_retry",
)
_WANTED = (
    "target_id",
    "tenant_id",
    "router",
    "name",
    "password_sealed",
    "profile",
    "limit_uptime",
    "limit_bytes_total",
    "disabled",
    "comment",
    "version",
)


class RouterListProjection:
    name: str = "router_list"
    event_types: tuple[type, ...] = (Router.Added, Router.Updated, Router.Removed)
    tables: tuple[str, ...] = ("router_list",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        routers = table(schema, "router_list")
        for r in events:
            e = r.event
            if isinstance(e, Router.Added):
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {} (id, tenant_id, name, host, port, tls, site, updated_at) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    ).format(routers),
                    (
                        r.aggregate_id,
                        e.tenant_id,
                        e.name,
                        e.host,
                        e.port,
                        e.tls,
                        e.site,
                        r.timestamp,
                    ),
                )
            elif isinstance(e, Router.Updated):
                cur.execute(
                    sql.SQL(
                        "UPDATE {} SET host = %s, port = %s, tls = %s, site = %s, updated_at = %s "
                        "WHERE id = %s"
                    ).format(routers),
                    (e.host, e.port, e.tls, e.site, r.timestamp, r.aggregate_id),
                )
            else:
                cur.execute(
                    sql.SQL("UPDATE {} SET removed = true, updated_at = %s WHERE id = %s").format(
                        routers
                    ),
                    (r.timestamp, r.aggregate_id),
                )


class ProvisioningStatusProjection:
    name: str = "provisioning_status"
    event_types: tuple[type, ...] = (
        Subscription.Subscribed,
        *_CHANGES_ROUTER,
        Subscription.PlanChangeScheduled,
        Subscription.Billed,
        Provisioning.HotspotUserWanted,
        Provisioning.Provisioned,
        Provisioning.Failed,
        Provisioning.RetryRequested,
    )
    tables: tuple[str, ...] = ("provisioning_status",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        rows = _load(cur, schema, {_subscription_of(r) for r in events})
        for recorded in events:
            _apply(rows, recorded)
        _store(cur, schema, list(rows.values()))


class HotspotUsersWantedProjection:
    """The hotspot users each router should hold: the state each voucher's provisioning job
    last recorded (a row per target; none when it wants no user)."""

    name: str = "hotspot_users_wanted"
    event_types: tuple[type, ...] = (Provisioning.HotspotUserWanted,)
    tables: tuple[str, ...] = ("hotspot_users_wanted",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        wanted = table(schema, "hotspot_users_wanted")
        latest: dict[UUID, Any] = {}
        for recorded in events:
            latest[recorded.event.subscription_id] = recorded.event
        gone = [target for target, e in latest.items() if e.user is None]
        if gone:
            cur.execute(sql.SQL("DELETE FROM {} WHERE target_id = ANY(%s)").format(wanted), (gone,))
        rows = [_wanted_row(e) for e in latest.values() if e.user is not None]
        table_rows.upsert(cur, schema, "hotspot_users_wanted", _WANTED, "target_id", rows)


def _wanted_row(e: Any) -> dict[str, Any]:
    user: HotspotUser = e.user
    values = (
        e.subscription_id,
        e.tenant_id,
        e.router,
        user.name,
        user.password,
        user.profile,
        user.limit_uptime,
        user.limit_bytes_total,
        user.disabled,
        user.comment,
        e.version,
    )
    return dict(zip(_WANTED, values, strict=True))


def _subscription_of(recorded: RecordedEvent) -> UUID:
    if isinstance(
        recorded.event,
        Provisioning.Provisioned
        | Provisioning.Failed
        | Provisioning.HotspotUserWanted
        | Provisioning.RetryRequested,
    ):
        subscription_id: UUID = recorded.event.subscription_id
        return subscription_id
    return recorded.aggregate_id


def _apply(rows: dict[UUID, dict[str, Any]], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, Subscription.Subscribed):
        rows[recorded.aggregate_id] = {
            "subscription_id": recorded.aggregate_id,
            "tenant_id": e.tenant_id,
            "router": e.router,
            "username": e.username,
            "desired_version": 0,
            "synced_version": 0,
            "status": "synced",
            "attempts": 0,
            "last_error": None,
            "scheduled_change": False,
            "kind": "subscription",
            "will_retry": True,
        }
    if isinstance(e, Provisioning.HotspotUserWanted):
        _want_hotspot_user(rows, e)
    row = rows.get(_subscription_of(recorded))
    if row is None:
        return
    if isinstance(e, _CHANGES_ROUTER) or (
        isinstance(e, Subscription.Billed) and row["scheduled_change"]
    ):
        # A new desired state (another plan's profile, say) may fix what was refused.
        row.update(desired_version=recorded.version, scheduled_change=False, will_retry=True)
    elif isinstance(e, Subscription.PlanChangeScheduled):
        row["scheduled_change"] = True
    elif isinstance(e, Provisioning.Provisioned):
        row.update(
            synced_version=max(row["synced_version"], e.version),
            attempts=0,
            last_error=None,
            will_retry=True,
        )
    elif isinstance(e, Provisioning.Failed):
        row.update(attempts=e.attempt, last_error=e.message, will_retry=e.will_retry)
    elif isinstance(e, Provisioning.RetryRequested):
        row.update(will_retry=True, attempts=0)
    row["status"] = _status(row)
    row["updated_at"] = recorded.timestamp


def _want_hotspot_user(rows: dict[UUID, dict[str, Any]], e: Any) -> None:
    row = rows.setdefault(
        e.subscription_id,
        {
            "subscription_id": e.subscription_id,
            "tenant_id": e.tenant_id,
            "username": "",
            "synced_version": 0,
            "attempts": 0,
            "last_error": None,
            "scheduled_change": False,
            "kind": "voucher",
        },
    )
    row.update(router=e.router, desired_version=e.version, will_retry=True)
    if e.user is not None:
        row["username"] = e.user.name


def _status(row: dict[str, Any]) -> str:
    if row["synced_version"] >= row["desired_version"]:
        return "synced"
    return "failed" if row["last_error"] else "pending"


def _load(cur: Cursor[Any], schema: str, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
    cur.execute(
        sql.SQL("SELECT {} FROM {} WHERE subscription_id = ANY(%s)").format(
            sql.SQL(", ").join(map(sql.Identifier, _STATUS)), table(schema, "provisioning_status")
        ),
        (list(ids),),
    )
    found = {}
    for raw in cur.fetchall():
        values = list(raw.values()) if isinstance(raw, dict) else list(raw)
        found[values[0]] = dict(zip(_STATUS, values, strict=True))
    return found


def _store(cur: Cursor[Any], schema: str, rows: list[dict[str, Any]]) -> None:
    table_rows.upsert(cur, schema, "provisioning_status", _STATUS, "subscription_id", rows)
