"""`message_log`: every WhatsApp message Niaga means to send and its timeline; `whatsapp_channels`
and `campaign_list`.

Billing events queue their notices here (invoice issued, payment received, reactivation), as do
notification requests (reminders, isolir, and whatever other areas ask for); the send dispatcher
follows the queued rows. A row's id is the id its message record will have, so a message is
queued once however often the log is replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.billing.invoice import Invoice
from domain.billing.subscription import Subscription
from domain.messaging.campaign import Campaign
from domain.messaging.notification import NotificationRequest
from domain.messaging.whatsapp import OutboundMessage, WhatsAppChannel
from domain.payments.payment import Payment
from domain.shared.money import format_rupiah
from domain.shared.recorded import RecordedEvent
from projections.shared.base import jsonable, table


def notice_id(subject_id: UUID, reason: str) -> UUID:
    """The message id of a notice the log asks for."""
    return uuid5(subject_id, f"whatsapp:{reason}")


class MessageLogProjection:
    name: str = "message_log"
    event_types: tuple[type, ...] = (
        NotificationRequest.Requested,
        Invoice.Drafted,
        Invoice.Issued,
        Payment.Received,
        Subscription.Subscribed,
        Subscription.Reactivated,
        OutboundMessage.Queued,
        OutboundMessage.Sent,
        OutboundMessage.Failed,
        OutboundMessage.Skipped,
        OutboundMessage.StatusReported,
        OutboundMessage.Replied,
    )
    tables: tuple[str, ...] = ("message_log", "message_subjects")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            e = recorded.event
            if isinstance(e, Invoice.Drafted | Subscription.Subscribed):
                _subject(cur, schema, recorded)
            elif isinstance(e, OutboundMessage.Queued):
                _queue_message(cur, schema, recorded)
            elif isinstance(e, OutboundMessage.Event):
                _progress(cur, schema, recorded)
            else:
                _queue_notice(cur, schema, recorded)


def _subject(cur: Cursor[Any], schema: str, r: RecordedEvent) -> None:
    e = r.event
    plan = e.terms.name if isinstance(e, Subscription.Subscribed) else None
    cur.execute(
        sql.SQL(
            "INSERT INTO {} (id, tenant_id, customer_id, plan) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING"
        ).format(table(schema, "message_subjects")),
        (r.aggregate_id, e.tenant_id, e.customer_id, plan),
    )


def _queue_notice(cur: Cursor[Any], schema: str, r: RecordedEvent) -> None:
    e = r.event
    if isinstance(e, NotificationRequest.Requested):
        if e.customer_id is None:
            # For the tenant's staff (low stock, an SLA breach, a disabled webhook): they read it
            # in the notification outbox; WhatsApp has no staff number to send it to.
            return
        row = (e.tenant_id, e.customer_id, e.template, dict(e.variables))
        _insert(cur, schema, notice_id(r.aggregate_id, "request"), r, row, r.aggregate_id, None)
        return
    if isinstance(e, Payment.Received):
        row = (e.tenant_id, e.customer_id, "payment_received", {"jumlah": format_rupiah(e.amount)})
        _insert(cur, schema, notice_id(r.aggregate_id, "payment"), r, row, r.aggregate_id, None)
        return
    subject = _subject_of(cur, schema, r.aggregate_id)
    if subject is None:
        return
    tenant_id, customer_id, plan = subject
    if isinstance(e, Invoice.Issued):
        variables = {
            "nomor": e.number,
            "tagihan": format_rupiah(e.total),
            "jatuh_tempo": f"{e.due_on:%d/%m/%Y}",
        }
        row = (tenant_id, customer_id, "invoice_issued", variables)
        _insert(cur, schema, notice_id(r.aggregate_id, "issued"), r, row, r.aggregate_id, None)
    elif isinstance(e, Subscription.Reactivated):
        row = (tenant_id, customer_id, "reactivated", {"paket": plan or "-"})
        reason = f"reactivated:{r.version}"
        _insert(cur, schema, notice_id(r.aggregate_id, reason), r, row, r.aggregate_id, None)


def _subject_of(cur: Cursor[Any], schema: str, subject_id: UUID) -> tuple[Any, ...] | None:
    cur.execute(
        sql.SQL("SELECT tenant_id, customer_id, plan FROM {} WHERE id = %s").format(
            table(schema, "message_subjects")
        ),
        (subject_id,),
    )
    found = cur.fetchone()
    if found is None:
        return None
    return tuple(found.values()) if isinstance(found, dict) else tuple(found)


def _queue_message(cur: Cursor[Any], schema: str, r: RecordedEvent) -> None:
    e = r.event
    row = (e.tenant_id, e.customer_id, e.template, dict(e.variables))
    _insert(cur, schema, r.aggregate_id, r, row, e.source_id, e.campaign_id)


def _insert(
    cur: Cursor[Any],
    schema: str,
    message_id: UUID,
    r: RecordedEvent,
    row: tuple[Any, ...],
    source_id: UUID,
    campaign_id: UUID | None,
) -> None:
    tenant_id, customer_id, template, variables = row
    cur.execute(
        sql.SQL(
            "INSERT INTO {} (id, tenant_id, customer_id, template, variables, source_id, "
            "campaign_id, status, timeline, requested_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 'queued', %s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING"
        ).format(table(schema, "message_log")),
        (
            message_id,
            tenant_id,
            customer_id,
            template,
            Jsonb(jsonable(variables)),
            source_id,
            campaign_id,
            Jsonb([_moment("queued", r.timestamp, None)]),
            r.timestamp,
            r.timestamp,
        ),
    )


def _progress(cur: Cursor[Any], schema: str, r: RecordedEvent) -> None:
    e = r.event
    changes: dict[str, Any]
    if isinstance(e, OutboundMessage.Sent):
        status, detail = "sent", e.provider_message_id
        changes = {
            "provider": e.provider,
            "provider_message_id": e.provider_message_id,
            "attempts": e.attempt,
            "error": None,
        }
    elif isinstance(e, OutboundMessage.Failed):
        status, detail = ("retrying" if e.will_retry else "failed"), e.error
        changes = {"attempts": e.attempt, "error": e.error}
    elif isinstance(e, OutboundMessage.Skipped):
        status, detail, changes = f"skipped_{e.reason}", None, {}
    elif isinstance(e, OutboundMessage.StatusReported):
        status, detail = e.status, e.error
        changes = {"error": e.error} if e.error else {}
    elif isinstance(e, OutboundMessage.Replied):
        _replied(cur, schema, r)
        return
    else:
        return
    assignments = [sql.SQL("{} = %s").format(sql.Identifier(k)) for k in changes]
    cur.execute(
        sql.SQL(
            "UPDATE {} SET status = %s, timeline = timeline || %s, updated_at = %s{} WHERE id = %s"
        ).format(
            table(schema, "message_log"),
            sql.SQL("").join(sql.SQL(", ") + a for a in assignments),
        ),
        (
            status,
            Jsonb([_moment(status, r.timestamp, detail)]),
            r.timestamp,
            *changes.values(),
            r.aggregate_id,
        ),
    )


def _replied(cur: Cursor[Any], schema: str, r: RecordedEvent) -> None:
    cur.execute(
        sql.SQL(
            "UPDATE {} SET replied = true, opted_out = %s, timeline = timeline || %s, "
            "updated_at = %s WHERE id = %s"
        ).format(table(schema, "message_log")),
        (
            r.event.opted_out,
            Jsonb([_moment("replied", r.timestamp, "STOP" if r.event.opted_out else None)]),
            r.timestamp,
            r.aggregate_id,
        ),
    )


def _moment(status: str, at: datetime, detail: str | None) -> dict[str, Any]:
    return {"status": status, "at": at.isoformat(), "detail": detail}


class WhatsAppChannelProjection:
    name: str = "whatsapp_channels"
    event_types: tuple[type, ...] = (WhatsAppChannel.Configured, WhatsAppChannel.Reconfigured)
    tables: tuple[str, ...] = ("whatsapp_channels",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for r in events:
            e = r.event
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (tenant_id, provider, sender, configured_at) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (tenant_id) DO UPDATE SET "
                    "provider = EXCLUDED.provider, sender = EXCLUDED.sender, "
                    "configured_at = EXCLUDED.configured_at"
                ).format(table(schema, "whatsapp_channels")),
                (e.tenant_id, e.provider, e.sender, r.timestamp),
            )


class CampaignListProjection:
    name: str = "campaign_list"
    event_types: tuple[type, ...] = (
        Campaign.Created,
        Campaign.Scheduled,
        Campaign.Completed,
        Campaign.Stopped,
    )
    tables: tuple[str, ...] = ("campaign_list",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        campaigns = table(schema, "campaign_list")
        for r in events:
            e = r.event
            if isinstance(e, Campaign.Created):
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {} (id, tenant_id, name, template, state, audience, "
                        "guardrails, created_at, updated_at) "
                        "VALUES (%s, %s, %s, %s, 'draft', %s, %s, %s, %s)"
                    ).format(campaigns),
                    (
                        r.aggregate_id,
                        e.tenant_id,
                        e.name,
                        e.template,
                        Jsonb(jsonable(e.audience)),
                        Jsonb(jsonable(e.guardrails)),
                        r.timestamp,
                        r.timestamp,
                    ),
                )
            elif isinstance(e, Campaign.Scheduled):
                cur.execute(
                    sql.SQL(
                        "UPDATE {} SET state = 'scheduled', start_at = %s, recipients = %s, "
                        "updated_at = %s WHERE id = %s"
                    ).format(campaigns),
                    (e.start_at, len(e.recipients), r.timestamp, r.aggregate_id),
                )
            else:
                state = "completed" if isinstance(e, Campaign.Completed) else "stopped"
                cur.execute(
                    sql.SQL("UPDATE {} SET state = %s, updated_at = %s WHERE id = %s").format(
                        campaigns
                    ),
                    (state, r.timestamp, r.aggregate_id),
                )
