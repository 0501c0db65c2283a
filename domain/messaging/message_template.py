"""A tenant's own wording of its WhatsApp messages, overriding Niaga's Indonesian defaults."""

from __future__ import annotations

import re
from collections.abc import Iterable
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.values import require_text

# Every variable a message can carry. `nama` and `link_bayar` are filled in when it is sent.
KNOWN_VARIABLES: dict[str, str] = {
    "nama": "the customer's name",
    "tagihan": "the amount due, e.g. Rp150.000",
    "jatuh_tempo": "the due date, dd/mm/yyyy",
    "link_bayar": "the payment link",
    "paket": "the plan's name",
    "nomor": "the invoice number",
    "tanggal": "the date a step takes effect",
    "jumlah": "the amount paid",
    "perusahaan": "the tenant's business name",
    "kode_voucher": "a voucher code",
    "kode": "a voucher's login code",
    "sandi": "a voucher's password",
    "link_login": "the hotspot login link that signs a voucher in",
    "status_servis": "a repair job's status",
}
PLACEHOLDER = re.compile(r"{(\w+)}")
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class UnknownVariable(InvalidValue):
    code = "UNKNOWN_VARIABLE"


def variables_of(text: str) -> list[str]:
    """The variables a text uses, in order of first appearance."""
    seen: list[str] = []
    for name in PLACEHOLDER.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def validate_text(text: str, own_variables: Iterable[str] = ()) -> str:
    """A template's text, using only the common variables and `own_variables` (those its
    default wording uses: the event that asks for the message fills them in)."""
    text = require_text(text, "text", 1024)
    allowed = [*KNOWN_VARIABLES, *(v for v in own_variables if v not in KNOWN_VARIABLES)]
    unknown = [v for v in variables_of(text) if v not in allowed]
    if unknown:
        known = ", ".join(f"{{{k}}}" for k in allowed)
        raise UnknownVariable(
            f"unknown variable {', '.join(f'{{{u}}}' for u in unknown)}; known: {known}",
            field="text",
        )
    if text.count("{") != text.count("}"):
        raise InvalidValue("unbalanced braces: write variables as {nama}", field="text")
    return text


def validate_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise InvalidValue(
            f"template name {name!r} must be lower-case letters, digits and _", field="name"
        )
    return name


class MessageTemplates(Aggregate):
    """One per tenant: the templates it has reworded. `meta_template` names a template approved
    in WhatsApp Manager, needed by the Cloud API outside the 24-hour window; its body parameters
    are the text's variables in order."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class TemplateSet(Aggregate.Event):
        name: str
        text: str
        meta_template: str | None
        language: str

    class TemplateReset(Aggregate.Event):
        name: str

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "message-templates")

    @classmethod
    def start(cls, tenant_id: UUID) -> MessageTemplates:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.texts: dict[str, dict[str, str | None]] = {}

    def set(
        self,
        name: str,
        text: str,
        meta_template: str | None,
        language: str = "id",
        own_variables: Iterable[str] = (),
    ) -> None:
        self._template_set(
            name=validate_name(name),
            text=validate_text(text, own_variables),
            meta_template=meta_template or None,
            language=require_text(language, "language", 10),
        )

    @event(TemplateSet)
    def _template_set(self, name: str, text: str, meta_template: str | None, language: str) -> None:
        self.texts[name] = {"text": text, "meta_template": meta_template, "language": language}

    def reset(self, name: str) -> None:
        if name not in self.texts:
            raise InvalidValue(f"template {name!r} has not been reworded", field="name")
        self._template_reset(name=name)

    @event(TemplateReset)
    def _template_reset(self, name: str) -> None:
        del self.texts[name]
