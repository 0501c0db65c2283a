"""WhatsApp voucher commands: the text a sender types, answered in Indonesian.

The sender is identified by phone number: an admin number of the voucher desk, an agent's
number, or anyone else (a customer). Commands are case- and spacing-tolerant; anything not
understood gets the help for that sender. A refused command changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.payments import GatewayNotConfigured
from application.shared.context import Actor, ActorKind, Principal
from application.shared.tenancy import TenantCalendar
from application.vouchers.agents import AgentService
from application.vouchers.queries import VoucherQueries
from application.vouchers.voucher_batches import GeneratedBatch, GenerateVouchers, VoucherBatches
from application.vouchers.voucher_sales import VoucherSales
from application.vouchers.vouchers import VoucherService
from domain.shared.errors import DomainError, InvalidPhoneNumber
from domain.shared.money import format_rupiah
from domain.shared.roles import Role
from domain.shared.values import normalise_phone
from domain.vouchers.agent import Agent, Movement
from domain.vouchers.voucher_codes import MAX_BATCH

CODES_IN_REPLY = 50
HISTORY = 10

HELP_CUSTOMER = (
    "Perintah voucher:\n"
    "HARGA - daftar paket dan harga\n"
    "BELI <paket> - beli voucher, contoh: BELI 3JAM\n"
    "HELP - bantuan ini"
)
HELP_AGENT = (
    "Perintah agen:\n"
    "GEN <paket> <jumlah> - buat voucher dari saldo, contoh: GEN 3JAM 10\n"
    "SALDO - saldo Anda\n"
    "TRANSAKSI - mutasi saldo terakhir\n"
    "TOPUP <jumlah> - minta top up saldo, contoh: TOPUP 100000\n"
    "LAPORAN - penjualan dan komisi bulan ini\n"
    "HARGA - daftar paket dan harga Anda"
)
HELP_ADMIN = (
    "Perintah admin:\n"
    "GEN <paket> <jumlah> - buat voucher stok tanpa memotong saldo\n"
    "HARGA - daftar paket dan harga"
)
_MOVEMENT_NAMES = {
    Movement.TOP_UP.value: "Top up",
    Movement.PURCHASE.value: "Beli voucher",
    Movement.REFUND.value: "Refund",
    Movement.COMMISSION.value: "Komisi",
    Movement.ADJUSTMENT.value: "Koreksi",
}
# The first words of every command; anything else from a customer gets the help.
VERBS = frozenset({"HARGA", "BELI", "GEN", "SALDO", "TRANSAKSI", "TOPUP", "LAPORAN", "HELP"})
_AMOUNT = re.compile(r"^(?:rp\.?)?(\d{1,3}(?:[.,]\d{3})+|\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Sender:
    tenant_id: UUID
    phone: str
    agent: Agent | None
    admin: bool

    @property
    def principal(self) -> Principal:
        # WhatsApp is the authentication: events record the number that asked.
        return Principal(
            self.tenant_id, Role.ADMIN, Actor(ActorKind.USER, f"whatsapp:{self.phone}")
        )


class VoucherCommands:
    def __init__(
        self,
        vouchers: VoucherService,
        batches: VoucherBatches,
        queries: VoucherQueries,
        agents: AgentService,
        sales: VoucherSales,
        calendar: TenantCalendar,
    ) -> None:
        self._vouchers = vouchers
        self._batches = batches
        self._queries = queries
        self._agents = agents
        self._sales = sales
        self._calendar = calendar

    def handle(self, tenant_id: UUID, sender_phone: str, text: str) -> str:
        """The reply to one message."""
        try:
            phone = normalise_phone(sender_phone)
        except InvalidPhoneNumber:
            return HELP_CUSTOMER
        sender = self._identify(tenant_id, phone)
        words = (text or "").split()
        verb = words[0].upper() if words else ""
        action = self._actions(sender).get(verb)
        if action is None:
            return self._help(sender)
        try:
            return action(sender, words[1:])
        except DomainError as error:
            if error.field == "profile":
                return f"Paket {words[1]} tidak dikenal. Ketik HARGA untuk daftar paket."
            return f"Maaf, perintah gagal: {error.message}"

    def reply_if_selling(self, tenant_id: UUID, sender_phone: str, text: str) -> str | None:
        """The reply for a tenant that sells vouchers (it has voucher settings); None for the
        others, so that their customers' messages are not answered with voucher help."""
        if self._vouchers.settings(tenant_id) is None:
            return None
        return self.handle(tenant_id, sender_phone, text)

    def is_command(self, tenant_id: UUID, text: str) -> bool:
        """Whether the text is a voucher command (its first word a command's) to a tenant that
        sells vouchers: a handler before this one (the repair shop's concierge) leaves it here."""
        words = (text or "").split()
        if not words or words[0].upper() not in VERBS:
            return False
        return self._vouchers.settings(tenant_id) is not None

    def _identify(self, tenant_id: UUID, phone: str) -> Sender:
        settings = self._vouchers.settings(tenant_id)
        admin = settings is not None and phone in settings.admin_phones
        return Sender(tenant_id, phone, self._agents.by_phone(tenant_id, phone), admin)

    def _actions(self, sender: Sender) -> dict[str, Callable[[Sender, list[str]], str]]:
        actions: dict[str, Callable[[Sender, list[str]], str]] = {
            "HARGA": self._prices,
            "BELI": self._buy,
        }
        if sender.admin or sender.agent:
            actions["GEN"] = self._generate
        if sender.agent:
            actions |= {
                "SALDO": self._balance,
                "TRANSAKSI": self._history,
                "TOPUP": self._top_up,
                "LAPORAN": self._report,
            }
        return actions

    def _help(self, sender: Sender) -> str:
        if sender.admin:
            return HELP_ADMIN + ("\n\n" + HELP_AGENT if sender.agent else "")
        return HELP_AGENT if sender.agent else HELP_CUSTOMER

    def _prices(self, sender: Sender, args: list[str]) -> str:
        profiles = self._queries.profiles(sender.principal)
        if not profiles:
            return "Belum ada paket voucher."
        lines = ["Daftar paket:"]
        for p in profiles:
            price = p.selling_price
            if sender.agent and p.agent_prices:
                price = p.agent_prices[min(sender.agent.level, len(p.agent_prices)) - 1]
            lines.append(f"{p.name} - {format_rupiah(price)}")
        return "\n".join(lines)

    def _buy(self, sender: Sender, args: list[str]) -> str:
        if len(args) != 1:
            return "Format: BELI <paket>, contoh: BELI 3JAM. Ketik HARGA untuk daftar paket."
        try:
            order = self._sales.order_by_whatsapp(sender.tenant_id, args[0], sender.phone)
        except GatewayNotConfigured:
            profile = self._vouchers.profile(sender.tenant_id, args[0])
            return (
                f"Paket {profile.name} harganya {format_rupiah(profile.terms.selling_price)}. "
                "Pembayaran online belum tersedia; silakan beli di agen atau hubungi admin."
            )
        expires = self._calendar.local(sender.tenant_id, order.expires_at)
        return (
            f"Paket {order.profile_name} harganya {format_rupiah(order.price)}. "
            f"Bayar di {order.payment_url} sebelum {expires:%H:%M %Z}; "
            "kode voucher kami kirim ke nomor ini setelah pembayaran diterima."
        )

    def _generate(self, sender: Sender, args: list[str]) -> str:
        quantity = _quantity(args[1]) if len(args) == 2 else None
        if quantity is None:
            return "Format: GEN <paket> <jumlah>, contoh: GEN 3JAM 10."
        if not 1 <= quantity <= MAX_BATCH:
            return f"Jumlah harus 1 sampai {MAX_BATCH:,}.".replace(",", ".")
        command = GenerateVouchers(args[0], quantity)
        if sender.admin:
            batch = self._batches.generate(sender.principal, command)
        elif sender.agent is not None:
            batch = self._batches.buy(sender.principal, command, sender.agent.id)
        else:
            return self._help(sender)
        return _generated(batch)

    def _balance(self, sender: Sender, args: list[str]) -> str:
        agent = self._current(sender)
        text = f"Saldo {agent.name}: {format_rupiah(agent.balance)}"
        if agent.credit_limit:
            text += f" (limit kredit {format_rupiah(agent.credit_limit)})"
        return text

    def _history(self, sender: Sender, args: list[str]) -> str:
        agent = self._current(sender)
        page = self._queries.ledger(sender.principal, agent.id, first=500)
        entries = page.items[-HISTORY:]
        if not entries:
            return "Belum ada transaksi."
        lines = ["Transaksi terakhir:"]
        for e in reversed(entries):
            sign = "+" if e.amount >= 0 else "-"
            at = self._calendar.local(sender.tenant_id, e.occurred_at)
            lines.append(
                f"{at:%d/%m %H:%M} {_MOVEMENT_NAMES.get(e.kind, e.kind)} "
                f"{sign}{format_rupiah(abs(e.amount))} saldo {format_rupiah(e.balance_after)}"
            )
        return "\n".join(lines)

    def _top_up(self, sender: Sender, args: list[str]) -> str:
        amount = _quantity(args[0]) if len(args) == 1 else None
        if amount is None or amount <= 0:
            return "Format: TOPUP <jumlah>, contoh: TOPUP 100000."
        agent = self._current(sender)
        try:
            link = self._sales.top_up_link(sender.principal, agent.id, amount)
        except GatewayNotConfigured:
            # No gateway: the request is recorded and the admin settles it by hand.
            self._agents.request_top_up(sender.principal, agent.id, amount)
            return (
                f"Permintaan top up {format_rupiah(amount)} dicatat. "
                "Admin akan menghubungi Anda untuk pembayarannya."
            )
        expires = self._calendar.local(sender.tenant_id, link.expires_at)
        return (
            f"Top up {format_rupiah(amount)}: bayar di {link.url} sebelum "
            f"{expires:%d/%m %H:%M %Z}. Saldo bertambah otomatis setelah pembayaran."
        )

    def _report(self, sender: Sender, args: list[str]) -> str:
        agent = self._current(sender)
        today = self._calendar.today(sender.tenant_id)
        month = today.replace(day=1)
        sales = [
            r
            for r in self._queries.sales(sender.principal, "month", month, today)
            if r.agent_id == agent.id
        ]
        commissions = [
            c
            for c in self._queries.commissions(sender.principal, month, month)
            if c.agent_id == agent.id
        ]
        lines = [f"Laporan {month:%m/%Y} {agent.name}:"]
        for r in sales:
            lines.append(f"{r.profile_name}: {r.vouchers} voucher, {format_rupiah(r.revenue)}")
        if not sales:
            lines.append("Belum ada pembelian voucher bulan ini.")
        earned = sum(c.amount for c in commissions)
        lines.append(f"Komisi: {format_rupiah(earned)}")
        lines.append(f"Saldo: {format_rupiah(agent.balance)}")
        return "\n".join(lines)

    def _current(self, sender: Sender) -> Agent:
        """The sender's agent as it is now (the one identified may be a moment old)."""
        if sender.agent is None:
            raise DomainError("nomor ini bukan nomor agen")
        store_agent = self._agents.by_phone(sender.tenant_id, sender.phone)
        return store_agent or sender.agent


def _quantity(raw: str) -> int | None:
    """`10`, `100000`, `100.000`, `Rp100.000` as a whole number; None when it is not one."""
    match = _AMOUNT.match(raw.strip())
    if match is None:
        return None
    return int(re.sub(r"[.,]", "", match.group(1)))


def _generated(batch: GeneratedBatch) -> str:
    lines = [f"Berhasil membuat {len(batch.codes)} voucher paket {batch.profile_name}."]
    if batch.agent_id is not None:
        lines.append(
            f"Dipotong {format_rupiah(batch.charged)}, sisa saldo "
            f"{format_rupiah(batch.balance_after or 0)}."
        )
    for username, password in batch.codes[:CODES_IN_REPLY]:
        lines.append(username if username == password else f"{username} / {password}")
    if len(batch.codes) > CODES_IN_REPLY:
        lines.append(f"...dan {len(batch.codes) - CODES_IN_REPLY} lainnya; cetak dari dasbor.")
    return "\n".join(lines)
