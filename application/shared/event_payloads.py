"""The value objects events carry, each stored through one transcoding under a fixed name.

A payload is stored as `{"_type_": name, "_data_": fields}`, its fields as plain JSON
(`domain.shared.payloads.to_plain`). The name is stored with every event, so like a topic it is
never changed; a payload type that moves or is renamed keeps its entry here.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from domain.agency.estimate import QuoteLine
from domain.ai.digest import DigestFigures, DigestInsight
from domain.ai.key import KeyFault
from domain.ai.precheck import Reason as PrecheckReason
from domain.ai.usage import AiUsage
from domain.billing.invoice import Line
from domain.billing.plan import Promotion
from domain.billing.subscription import PlanTerms
from domain.identity.team import TeamMember
from domain.messaging.campaign import Audience, Guardrails
from domain.payments.payment import Allocation
from domain.platform.legal_details import LegalDetails
from domain.platform.tenant import BillingPolicy
from domain.repairs.inventory import OrderLine
from domain.repairs.repair_job import LabourLine, PartLine, RepairPolicy
from domain.routers.provisioning import HotspotUser
from domain.shared.payloads import from_plain, to_plain
from domain.vouchers.voucher import ProfileTerms

# Stored name -> the value type events carry.
EVENT_PAYLOADS: dict[str, type] = {
    "agency_quote_line": QuoteLine,
    "ai_key_fault": KeyFault,
    "ai_usage": AiUsage,
    "allocation": Allocation,
    "billing_policy": BillingPolicy,
    "campaign_audience": Audience,
    "campaign_guardrails": Guardrails,
    "ceo_digest_figures": DigestFigures,
    "ceo_digest_insight": DigestInsight,
    "hotspot_user": HotspotUser,
    "invoice_line": Line,
    "labour_line": LabourLine,
    "order_line": OrderLine,
    "part_line": PartLine,
    "plan_terms": PlanTerms,
    "precheck_reason": PrecheckReason,
    "promotion": Promotion,
    "repair_policy": RepairPolicy,
    "team_member": TeamMember,
    "tenant_legal_details": LegalDetails,
    "voucher_profile_terms": ProfileTerms,
}


class PayloadAsPlain(Transcoding):
    """One payload type as the plain JSON object of its fields."""

    def __init__(self, name: str, value_type: type) -> None:
        self.name = name
        self.type = value_type

    def encode(self, obj: Any) -> Any:
        return to_plain(obj)

    def decode(self, data: Any) -> Any:
        return from_plain(self.type, data)


def payload_transcodings() -> list[Transcoding]:
    return [PayloadAsPlain(name, value_type) for name, value_type in EVENT_PAYLOADS.items()]
