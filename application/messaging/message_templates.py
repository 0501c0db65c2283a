"""A tenant's message templates: its own wording where it set one, Niaga's Indonesian defaults
elsewhere; validated when set, previewable with sample or real data."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.messaging.templates import TEMPLATES
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.billing.invoice import Invoice
from domain.customers.customer import Customer
from domain.messaging.message_template import (
    PLACEHOLDER,
    MessageTemplates,
    validate_text,
    variables_of,
)
from domain.shared.money import format_rupiah

SAMPLE: dict[str, str] = {
    "nama": "Budi Santoso",
    "tagihan": "Rp166.500",
    "jatuh_tempo": "10/02/2026",
    "link_bayar": "https://bayar.example.id/INV-0001",
    "paket": "Rumah 20 Mbps",
    "nomor": "INV/2026/02/0001",
    "tanggal": "12/02/2026",
    "jumlah": "Rp166.500",
    "perusahaan": "Warung Net Sejahtera",
    "kode_voucher": "AB12-CD34",
    "kode": "ab12cd",
    "sandi": "ab12cd",
    "link_login": "http://10.5.50.1/login?username=ab12cd&password=ab12cd",
    "status_servis": "selesai, siap diambil",
}


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    custom: bool
    meta_template: str | None = None
    language: str = "id"

    @property
    def variables(self) -> list[str]:
        return variables_of(self.text)


def fill(text: str, variables: dict[str, str]) -> str:
    """A missing variable shows as `-`, so a half-known message still reads."""
    return PLACEHOLDER.sub(lambda m: variables.get(m.group(1), "-"), text)


class TemplateService:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def set(
        self,
        principal: Principal,
        name: str,
        text: str,
        meta_template: str | None = None,
        language: str = "id",
    ) -> Template:
        """Reword a template; an unknown `{variable}` is refused with the list of known ones."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        templates = self._templates(store, principal.tenant_id)
        templates.set(name, text, meta_template, language, own_variables(name))
        self._saver.save(store, principal, "SetMessageTemplate", templates)
        return self.get(store, principal.tenant_id, name)

    def reset(self, principal: Principal, name: str) -> Template | None:
        """Back to the default wording; None for a template of the tenant's own (it is gone)."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        templates = self._templates(store, principal.tenant_id)
        templates.reset(name)
        self._saver.save(store, principal, "ResetMessageTemplate", templates)
        return self.get(store, principal.tenant_id, name) if name in TEMPLATES else None

    def list(self, principal: Principal) -> list[Template]:
        authorize(principal, Permission.READ_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        custom = find(store, MessageTemplates, MessageTemplates.id_for(principal.tenant_id))
        names = sorted({*TEMPLATES, *(custom.texts if custom else {})})
        return [self.get(store, principal.tenant_id, n) for n in names]

    def preview(
        self,
        principal: Principal,
        name: str,
        text: str | None,
        variables: dict[str, str],
        customer_id: UUID | None = None,
        invoice_id: UUID | None = None,
    ) -> str:
        """The message as a customer would read it: `text` (validated) or the tenant's template,
        filled with `variables` over the sample data, and real data if given: an invoice's
        number, amount due and due date (and its customer), a customer's name."""
        authorize(principal, Permission.READ_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        body = (
            validate_text(text, own_variables(name))
            if text
            else self.get(store, principal.tenant_id, name).text
        )
        real: dict[str, str] = {}
        if invoice_id is not None:
            invoice = load(store, Invoice, invoice_id, principal.tenant_id, "invoice")
            real["nomor"] = invoice.number or "-"
            real["tagihan"] = format_rupiah(invoice.balance_due)
            real["jatuh_tempo"] = f"{invoice.due_on:%d/%m/%Y}" if invoice.due_on else "-"
            customer_id = customer_id or invoice.customer_id
        if customer_id is not None:
            customer = load(store, Customer, customer_id, principal.tenant_id, "customer")
            real["nama"] = customer.name
        return fill(body, {**SAMPLE, **real, **variables})

    def get(self, store: EventStore, tenant_id: UUID, name: str) -> Template:
        custom = find(store, MessageTemplates, MessageTemplates.id_for(tenant_id))
        own = custom.texts.get(name) if custom else None
        if own is not None:
            return Template(
                name, str(own["text"]), True, own["meta_template"], str(own["language"])
            )
        if name not in TEMPLATES:
            known = ", ".join(sorted(TEMPLATES))
            raise NotFound(f"no template {name!r}; known: {known}", field="name")
        return Template(name, TEMPLATES[name], False)

    def _templates(self, store: EventStore, tenant_id: UUID) -> MessageTemplates:
        found = find(store, MessageTemplates, MessageTemplates.id_for(tenant_id))
        return found or MessageTemplates.start(tenant_id)


def own_variables(name: str) -> list[str]:
    """The variables a template's default wording uses, which a rewording may use too."""
    return variables_of(TEMPLATES.get(name, ""))
