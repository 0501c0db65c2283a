"""`whatsapp_channels` and `campaign_list`: which provider each tenant sends with, and its
campaigns. The messages themselves are in `message_log`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.messaging.campaign import Campaign
from domain.messaging.whatsapp import WhatsAppChannel
from domain.shared.recorded import RecordedEvent
from projections.shared.base import jsonable, table


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
