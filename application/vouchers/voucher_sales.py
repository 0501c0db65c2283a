"""Selling vouchers to the public and topping agents up, paid through the tenant's gateway.

A customer picks a package on an agent's page (found by its shop code); the order and its
payment link are saved together once the gateway has made the link. When the gateway's verified
callback confirms the payment, `settle` fulfils the order in the callback's own transaction:
the customer's money is credited to the agent (`top_up`), the agent buys one new voucher with
its balance at its level price (upline commissions as usual), and a `voucher_delivery`
notification is requested for the customer's WhatsApp number. A link is paid once, so an
order is fulfilled once; an order paid after it expired sells nothing and is held for a refund.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid5

from application.payments import (
    GatewayAccess,
    GatewayAccounts,
    GatewayNotConfigured,
    GatewayProtocol,
    LinkRequest,
    callback_url,
)
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ConcurrentModification, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import TenantCalendar
from application.shared.unit_of_work import Saver, find, load
from application.vouchers.agents import AgentService
from application.vouchers.ports import VoucherProfileView, VoucherReadModels
from application.vouchers.voucher_batches import VoucherBatches, find_profile
from domain.messaging.whatsapp import OutboundMessage
from domain.payments.gateway import Gateway, LinkPurpose, PaymentLink
from domain.shared.errors import InvalidValue
from domain.shared.money import format_rupiah
from domain.shared.roles import Role
from domain.shared.values import normalise_phone
from domain.vouchers.agent import Agent
from domain.vouchers.voucher import VoucherProfile, VoucherSettings
from domain.vouchers.voucher_order import ShopCode, VoucherOrder, shop_code

# The gateway a public sale goes through: the first of these the tenant has configured.
GATEWAY_PREFERENCE = (Gateway.MIDTRANS, Gateway.XENDIT, Gateway.TRIPAY, Gateway.DUITKU)
ORDER_MINUTES = 60  # a voucher bought on the spot is paid on the spot
MIN_TOP_UP, MAX_TOP_UP = 10_000, 50_000_000
DELIVERY = "voucher_delivery"


def delivery_id(order_id: UUID) -> UUID:
    """The WhatsApp message that brings a paid order its voucher."""
    return uuid5(order_id, DELIVERY)


DEFAULT_LOGIN_URL = "http://10.5.50.1/login"


@dataclass(frozen=True)
class ShopFront:
    """What an agent's public page shows."""

    code: str
    tenant_id: UUID
    agent_id: UUID
    agent_name: str
    profiles: list[VoucherProfileView]


@dataclass(frozen=True)
class OrderView:
    id: UUID
    code: str
    profile_name: str
    price: int
    status: str
    payment_url: str
    expires_at: datetime  # on the tenant's wall clock: the page shows it to a customer
    username: str | None
    password: str | None
    login_url: str


@dataclass(frozen=True)
class TopUpLink:
    link_id: UUID
    url: str
    amount: int
    expires_at: datetime


def _public_principal(tenant_id: UUID, who: str) -> Principal:
    """A sale placed on the public page: events name the shop it was placed at."""
    return Principal(tenant_id, Role.STAFF, Actor(ActorKind.USER, f"public:{who}"[:60]))


class VoucherSales:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        agents: AgentService,
        batches: VoucherBatches,
        read_models: VoucherReadModels,
        accounts: GatewayAccounts,
        protocols: dict[Gateway, GatewayProtocol],
        public_url: str,
        secrets: SecretBox,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._sync = sync
        self._clock = clock
        self._calendar = TenantCalendar(stores, clock)
        self._agents = agents
        self._batches = batches
        self._read_models = read_models
        self._accounts = accounts
        self._protocols = protocols
        self._public_url = public_url
        self._secrets = secrets

    # -- shop codes --------------------------------------------------------------------------

    def assign_shop_code(self, principal: Principal, agent_id: UUID, code: str) -> str:
        """Give an agent a public page at `/buy?agent=<code>`; codes are unique platform-wide."""
        authorize(principal, Permission.MANAGE_AGENTS)
        store = self._stores.for_tenant(principal.tenant_id)
        self._agents.load(store, principal.tenant_id, agent_id)
        claim = ShopCode.claim(principal.tenant_id, agent_id, code)
        taken = InvalidValue(f"shop code {claim.code} is taken", field="code")
        platform = self._stores.platform()
        existing = find(platform, ShopCode, claim.id)
        if existing is not None:
            if existing.tenant_id == principal.tenant_id and existing.agent_id == agent_id:
                return existing.code
            raise taken
        self._saver.save(platform, principal, "AssignShopCode", claim, conflict=taken, wait=False)
        return claim.code

    def shop(self, code: str) -> ShopFront:
        """An agent's page: the packages it sells at their selling prices."""
        claim = self._claim(code)
        store = self._stores.for_tenant(claim.tenant_id)
        agent = self._agents.load(store, claim.tenant_id, claim.agent_id)
        profiles = [
            p for p in self._read_models.profiles(store, claim.tenant_id) if p.selling_price > 0
        ]
        return ShopFront(claim.code, claim.tenant_id, agent.id, agent.name, profiles)

    # -- voucher orders ----------------------------------------------------------------------

    def place_order(self, code: str, profile_ref: str, phone: str) -> UUID:
        """An order for one voucher at an agent's shop, with its payment link."""
        claim = self._claim(code)
        store = self._stores.for_tenant(claim.tenant_id)
        agent = self._agents.load(store, claim.tenant_id, claim.agent_id)
        return self._place(store, claim.tenant_id, agent, claim.code, profile_ref, phone).id

    def order_by_whatsapp(self, tenant_id: UUID, profile_ref: str, phone: str) -> VoucherOrder:
        """`BELI <paket>` on WhatsApp: the tenant sells directly (no agent) to that number."""
        store = self._stores.for_tenant(tenant_id)
        return self._place(store, tenant_id, None, "", profile_ref, phone)

    def _place(
        self,
        store: EventStore,
        tenant_id: UUID,
        agent: Agent | None,
        code: str,
        profile_ref: str,
        phone: str,
    ) -> VoucherOrder:
        """The gateway is called before anything is saved, so a refusal or an outage leaves
        nothing behind; the order and its link are saved together."""
        number = normalise_phone(phone)
        profile = find_profile(store, tenant_id, profile_ref)
        price = profile.terms.selling_price
        if price <= 0:
            raise InvalidValue(f"paket {profile.name} tidak dijual online", field="profile")
        access = self._gateway(store, tenant_id)
        order_id = uuid.uuid4()
        seller = agent.name if agent else "langsung"
        link = self._link(
            access,
            order_id,
            price,
            f"Voucher {profile.name} ({seller})",
            number,
            LinkPurpose.VOUCHER_ORDER,
            agent,
        )
        order = VoucherOrder.place(
            order_id,
            tenant_id,
            agent.id if agent else None,
            code,
            profile.id,
            profile.name,
            price,
            number,
            access.gateway.value,
            link.id,
            link.url,
            link.expires_at,
        )
        principal = _public_principal(tenant_id, code or f"whatsapp:{number}")
        self._saver.save(store, principal, "PlaceVoucherOrder", order, link)
        return order

    def order(self, code: str, order_id: UUID) -> OrderView:
        """An order as its status page shows it (the voucher once it is paid)."""
        claim = self._claim(code)
        store = self._stores.for_tenant(claim.tenant_id)
        order = find(store, VoucherOrder, order_id)
        if order is None or order.tenant_id != claim.tenant_id or order.shop_code != claim.code:
            raise NotFound(f"no order {order_id}", field="id")
        return OrderView(
            order.id,
            order.shop_code,
            order.profile_name,
            order.price,
            order.status_at(self._clock.now()).value,
            order.payment_url,
            self._calendar.local(claim.tenant_id, order.expires_at),
            order.username,
            order.password,
            self._login_url(store, claim.tenant_id),
        )

    # -- agent top-ups -----------------------------------------------------------------------

    def top_up_link(self, principal: Principal, agent_id: UUID, amount: int) -> TopUpLink:
        """A payment link that credits the agent's balance once it is paid. An agent asks for
        itself; owners, admins and finance for any agent."""
        store = self._stores.for_tenant(principal.tenant_id)
        agent = self._agents.load(store, principal.tenant_id, agent_id)
        acting = self._agents.acting_agent(principal)
        if acting is None:
            authorize(principal, Permission.MANAGE_AGENTS)
        elif acting.id != agent.id:
            raise NotFound(f"no agent {agent_id}", field="agentId")
        if isinstance(amount, bool) or not MIN_TOP_UP <= amount <= MAX_TOP_UP:
            raise InvalidValue(
                f"top up {format_rupiah(MIN_TOP_UP)} sampai {format_rupiah(MAX_TOP_UP)}",
                field="amount",
            )
        access = self._gateway(store, principal.tenant_id)
        description = f"Top up saldo {agent.name}"
        link = self._link(
            access, agent.id, amount, description, agent.phone, LinkPurpose.AGENT_TOP_UP, agent
        )
        agent.request_top_up(amount)
        self._saver.save(store, principal, "CreateTopUpLink", agent, link)
        return TopUpLink(link.id, link.url, amount, link.expires_at)

    # -- settling paid links (called inside the verified callback's transaction) -------------

    def settle(
        self, store: EventStore, principal: Principal, link: PaymentLink, reference: str
    ) -> list[Any]:
        now = self._clock.now()
        if link.purpose is LinkPurpose.AGENT_TOP_UP:
            agent = self._agents.load(store, link.tenant_id, link.subject_id)
            agent.top_up(link.amount, f"gateway {reference}")
            return [agent]
        if link.purpose is LinkPurpose.VOUCHER_ORDER:
            return self._fulfil(store, principal, link, reference, now)
        raise InvalidValue(f"a {link.purpose.value} link is not settled here", field="purpose")

    def _fulfil(
        self,
        store: EventStore,
        principal: Principal,
        link: PaymentLink,
        reference: str,
        now: datetime,
    ) -> list[Any]:
        order = load(store, VoucherOrder, link.subject_id, link.tenant_id, "voucher order")
        if order.fulfilled or order.paid_late:
            # A racing delivery settled it after this one read the link: looking again finds
            # the link paid, a duplicate.
            raise ConcurrentModification("the order was settled meanwhile")
        if now >= order.expires_at:
            order.pay_late(reference, now)
            return [order]
        profile = load(store, VoucherProfile, order.profile_id, order.tenant_id, "profile")
        agent = None
        if order.agent_id is not None:
            # The customer paid the tenant the selling price on the agent's behalf: the agent
            # is credited with it and buys the voucher at its own price, keeping the margin.
            agent = self._agents.load(store, order.tenant_id, order.agent_id)
            agent.top_up(order.price, f"penjualan online {reference}")
        sale, voucher = self._batches.draft_sale(store, principal, profile, agent, order.price)
        order.fulfil(voucher.id, voucher.username, voucher.password, reference, now)
        login = _login_link(
            self._login_url(store, order.tenant_id), voucher.username, voucher.password
        )
        # The buyer is no customer: the message carries their number, sealed.
        note = OutboundMessage.queue(
            delivery_id(order.id),
            order.tenant_id,
            None,
            DELIVERY,
            {
                "paket": order.profile_name,
                "kode": voucher.username,
                "sandi": voucher.password,
                "link_login": login,
            },
            order.id,
            recipient_sealed=self._secrets.seal(order.phone),
        )
        return [order, *sale, note]

    # -- helpers -----------------------------------------------------------------------------

    def _claim(self, code: str) -> ShopCode:
        try:
            clean = shop_code(code)
        except InvalidValue:
            raise NotFound(f"toko {code!r} tidak ditemukan", field="agent") from None
        claim = find(self._stores.platform(), ShopCode, ShopCode.id_for(clean))
        if claim is None:
            raise NotFound(f"toko {clean} tidak ditemukan", field="agent")
        return claim

    def _gateway(self, store: EventStore, tenant_id: UUID) -> GatewayAccess:
        for gateway in GATEWAY_PREFERENCE:
            try:
                return self._accounts.access(store, tenant_id, gateway)
            except GatewayNotConfigured:
                continue
        raise GatewayNotConfigured("pembayaran online belum diatur", field="gateway")

    def _link(
        self,
        access: GatewayAccess,
        subject_id: UUID,
        amount: int,
        description: str,
        phone: str,
        purpose: LinkPurpose,
        agent: Agent | None,
    ) -> PaymentLink:
        now = self._clock.now()
        minutes = (
            min(access.link_minutes, ORDER_MINUTES)
            if purpose is LinkPurpose.VOUCHER_ORDER
            else access.link_minutes
        )
        order_id = f"NGV-{uuid.uuid4().hex[:20].upper()}"
        request = LinkRequest(
            order_id=order_id,
            amount=amount,
            currency="IDR",
            description=description,
            customer_name=agent.name if agent else "Pembeli voucher",
            customer_email=None,
            customer_phone=phone,
            minutes=minutes,
            expires_at=now + timedelta(minutes=minutes),
            callback_url=callback_url(self._public_url, access.gateway, access.tenant_id),
        )
        created = self._protocols[access.gateway].create_link(access, request)
        return PaymentLink.create(
            access.tenant_id,
            subject_id,
            agent.id if agent else subject_id,
            access.gateway,
            order_id,
            created.reference,
            created.url,
            amount,
            request.currency,
            request.expires_at,
            purpose,
        )

    def _login_url(self, store: EventStore, tenant_id: UUID) -> str:
        settings = find(store, VoucherSettings, VoucherSettings.id_for(tenant_id))
        return settings.login_url if settings else DEFAULT_LOGIN_URL


def _login_link(login_url: str, username: str, password: str) -> str:
    return f"{login_url}?{urlencode({'username': username, 'password': password})}"
