"""Inbound gateway callbacks: verified per the gateway's contract, re-checked with its status
API, recorded once, and kept raw with their verdict whatever it is.

A forged callback never marks an invoice paid (its signature or token fails); a repeated one
never pays twice (the payment's id derives from the gateway's reference); a late `pending`
after a settlement changes nothing (the link is already paid). When the status API is down the
callback is kept as `pending_recheck` and `recheck` tries again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.payments.gateway_accounts import GatewayAccounts, GatewayNotConfigured
from application.payments.payments import DuplicatePayment, PaymentService, RecordPayment
from application.payments.ports import (
    CallbackRejected,
    Claim,
    GatewayAccess,
    GatewayProtocol,
    GatewayUnavailable,
    LinkSettlement,
    Notification,
    RawCallback,
    StatusReport,
)
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import ConcurrentModification, UnknownTenant
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from domain.billing.invoice import InvoiceRefused
from domain.payments.gateway import Gateway, GatewayCallback, LinkPurpose, PaymentLink, Verdict
from domain.payments.payment import Payment, PaymentMethod
from domain.shared.errors import DomainError
from domain.shared.roles import Role
from domain.shared.text import printable

MAX_STORED_BODY = 65_536
# Headers that carry a secret (Xendit's callback token is the account's own token).
_REDACTED = frozenset({"x-callback-token", "authorization", "cookie", "proxy-authorization"})
_CONFLICT_RETRIES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class CallbackAnswer:
    http_status: int
    verdict: Verdict
    reason: str
    callback_id: UUID
    acknowledgement: dict[str, object] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.http_status < 300


@dataclass
class _Decision:
    verdict: Verdict
    reason: str
    http_status: int
    changed: list[Any] = field(default_factory=list)
    payment: RecordPayment | None = None
    settle: PaymentLink | None = None  # a paid link for a voucher order or an agent top-up
    reference: str = ""


def gateway_principal(tenant_id: UUID, gateway: str) -> Principal:
    """A verified gateway records payments like finance would; its events name the gateway."""
    return Principal(tenant_id, Role.FINANCE, Actor(ActorKind.GATEWAY, gateway[:40] or "unknown"))


class GatewayCallbacks:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        accounts: GatewayAccounts,
        protocols: dict[Gateway, GatewayProtocol],
        payments: PaymentService,
        settlement: LinkSettlement | None = None,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._accounts = accounts
        self._protocols = protocols
        self._payments = payments
        self._settlement = settlement

    def receive(self, gateway_name: str, tenant_ref: str, raw: RawCallback) -> CallbackAnswer:
        """Verify, decide and record one callback; the answer says how to reply."""
        tenant_id = _tenant_id(tenant_ref)
        store = self._store(tenant_id)
        log = _Log(tenant_id if store else None, tenant_ref, gateway_name, raw)
        if store is None or tenant_id is None:
            return self._reject(self._stores.platform(), log, 404, f"unknown tenant {tenant_ref!r}")
        gateway = _gateway(gateway_name)
        if gateway is None:
            return self._reject(store, log, 404, f"unknown gateway {gateway_name!r}")
        try:
            access = self._accounts.access(store, tenant_id, gateway)
            note = self._protocols[gateway].verify(raw, access)
        except GatewayNotConfigured as error:
            return self._reject(store, log, 404, error.message)
        except CallbackRejected as error:
            return self._reject(store, log, error.http_status, error.message)
        log.note = note
        try:
            return self._with_retries(lambda: self._first_verdict(store, access, note, log))
        except DomainError as error:
            if note.claim is not Claim.PAID:
                raise  # nothing to lose: the gateway repeats a notification it saw fail
            # A verified payment that could not be recorded now is kept for the re-check.
            reason = f"could not be recorded yet: {error.message}"
            return self._commit(
                store, access, _Decision(Verdict.PENDING_RECHECK, reason, 200), log.create
            )

    def refuse(
        self, gateway_name: str, tenant_ref: str, raw: RawCallback, status: int, reason: str
    ) -> CallbackAnswer:
        """Record a callback refused before it could be read (e.g. too large)."""
        tenant_id = _tenant_id(tenant_ref)
        store = self._store(tenant_id)
        log = _Log(tenant_id if store else None, tenant_ref, gateway_name, raw)
        return self._reject(store or self._stores.platform(), log, status, reason)

    def recheck(self, tenant_id: UUID, callback_id: UUID) -> CallbackAnswer | None:
        """Ask the gateway again about a callback kept as pending_recheck (None if it is not)."""
        store = self._stores.for_tenant(tenant_id)
        return self._with_retries(lambda: self._recheck_once(store, tenant_id, callback_id))

    # -- deciding --------------------------------------------------------------------------

    def _first_verdict(
        self, store: EventStore, access: GatewayAccess, note: Notification, log: _Log
    ) -> CallbackAnswer:
        link = find(
            store, PaymentLink, PaymentLink.id_for(access.tenant_id, access.gateway, note.order_id)
        )
        if link is None or link.tenant_id != access.tenant_id:
            return self._reject(store, log, 404, f"unknown order {note.order_id!r}")
        decision = _before_recheck(link, note)
        if decision is None:
            decision = self._after_status(access, link, note)
        return self._commit(store, access, decision, log.create)

    def _recheck_once(
        self, store: EventStore, tenant_id: UUID, callback_id: UUID
    ) -> CallbackAnswer | None:
        callback = find(store, GatewayCallback, callback_id)
        if callback is None or callback.tenant_id != tenant_id:
            return None
        if callback.verdict is not Verdict.PENDING_RECHECK:
            return None
        gateway = Gateway(callback.gateway)
        access = self._accounts.access(store, tenant_id, gateway)
        note = _stored_note(callback)
        link = find(store, PaymentLink, PaymentLink.id_for(tenant_id, gateway, note.order_id))
        if link is None:
            return None
        decision = _before_recheck(link, note) or self._after_status(access, link, note)

        def resolve(decided: _Decision) -> GatewayCallback:
            payment_id = _payment_id(access, note) if decided.payment or decided.settle else None
            callback.recheck(decided.verdict, decided.reason, payment_id)
            return callback

        return self._commit(store, access, decision, resolve)

    def _after_status(
        self, access: GatewayAccess, link: PaymentLink, note: Notification
    ) -> _Decision:
        try:
            report = self._protocols[access.gateway].status(access, link.order_id, link.reference)
        except GatewayUnavailable as error:
            return _Decision(
                Verdict.PENDING_RECHECK, f"status re-check failed: {error.message}", 200
            )
        return _after_report(access, link, note, report)

    # -- recording -------------------------------------------------------------------------

    def _commit(
        self,
        store: EventStore,
        access: GatewayAccess,
        decision: _Decision,
        callback: Callable[[_Decision], GatewayCallback],
    ) -> CallbackAnswer:
        principal = gateway_principal(access.tenant_id, access.gateway.value)
        record = callback(decision)
        if decision.payment is not None:
            self._payments.record_confirmed(
                principal, decision.payment, extra=(*decision.changed, record)
            )
        elif decision.settle is not None:
            settled = self._settled(store, principal, decision.settle, decision.reference)
            self._save(
                store, principal.tenant_id, principal.actor, record, *decision.changed, *settled
            )
        else:
            self._save(store, principal.tenant_id, principal.actor, record, *decision.changed)
        ack = (
            self._protocols[access.gateway].acknowledgement() if decision.http_status < 300 else {}
        )
        return CallbackAnswer(
            decision.http_status, decision.verdict, decision.reason, record.id, ack
        )

    def _settled(
        self, store: EventStore, principal: Principal, link: PaymentLink, reference: str
    ) -> list[Any]:
        if self._settlement is None:
            raise DomainError(f"nothing settles {link.purpose.value} links here")
        return self._settlement.settle(store, principal, link, reference)

    def _reject(self, store: EventStore, log: _Log, status: int, reason: str) -> CallbackAnswer:
        record = log.create(_Decision(Verdict.REJECTED, reason, status))
        actor = Actor(ActorKind.GATEWAY, log.gateway[:40] or "unknown")
        self._save(store, log.tenant_id, actor, record)
        return CallbackAnswer(status, Verdict.REJECTED, reason, record.id)

    def _save(self, store: EventStore, tenant_id: UUID | None, actor: Actor, *objs: Any) -> None:
        with recording("ReceiveGatewayCallback", actor=actor, tenant_id=tenant_id):
            try:
                position = store.save_and_locate(*objs)
            except IntegrityError as error:
                # A racing delivery changed the link first; the caller looks again.
                raise ConcurrentModification("the payment link changed meanwhile") from error
        self._sync.wait(store, position)

    def _with_retries(self, decide: Callable[[], T]) -> T:
        # Deliveries of one notification can race; the loser looks again and sees the winner.
        for _ in range(_CONFLICT_RETRIES - 1):
            try:
                return decide()
            except (DuplicatePayment, ConcurrentModification, InvoiceRefused):
                # InvoiceRefused: the open invoices were read before a racing delivery paid them.
                continue
        return decide()

    def _store(self, tenant_id: UUID | None) -> EventStore | None:
        if tenant_id is None:
            return None
        try:
            return self._stores.for_tenant(tenant_id)
        except UnknownTenant:
            return None


class _Log:
    """What a callback record keeps of the request, whatever the verdict."""

    def __init__(
        self, tenant_id: UUID | None, tenant_ref: str, gateway: str, raw: RawCallback
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant_ref = tenant_ref[:80]
        self.gateway = gateway[:40]
        self.raw = raw
        self.note: Notification | None = None

    def create(self, decision: _Decision) -> GatewayCallback:
        """The callback as received, kept as evidence: whatever a sender put in it (NUL bytes,
        control characters) is made storable rather than refused."""
        note = self.note
        return GatewayCallback(
            tenant_id=self.tenant_id,
            tenant_ref=printable(self.tenant_ref),
            gateway=printable(self.gateway),
            headers={
                printable(k, 200): "[redacted]" if k in _REDACTED else printable(v, 2000)
                for k, v in self.raw.headers.items()
            },
            body=printable(
                self.raw.body[:MAX_STORED_BODY].decode("utf-8", errors="replace"), MAX_STORED_BODY
            ),
            verdict=decision.verdict.value,
            reason=printable(decision.reason, 500),
            http_status=decision.http_status,
            order_id=_kept(note.order_id if note else None),
            reference=_kept(note.reference if note else None),
            dedupe_key=_kept(note.dedupe_key if note else None),
            claimed_status=_kept(note.raw_status if note else None),
            amount=note.amount if note else None,
            currency=_kept(note.currency if note else None),
        )


def _kept(value: str | None) -> str | None:
    return printable(value, 200) if value is not None else None


def _before_recheck(link: PaymentLink, note: Notification) -> _Decision | None:
    """The verdict that needs no status API, or None when the gateway must be asked."""
    if link.payment_id is not None:
        verdict = Verdict.DUPLICATE if note.claim is Claim.PAID else Verdict.IGNORED
        return _Decision(
            verdict, f"the link is already paid ({note.raw_status} changes nothing)", 200
        )
    if note.claim in {Claim.EXPIRED, Claim.FAILED}:
        link.expire(f"{link.gateway.value} reported {note.raw_status}")
        return _Decision(Verdict.EXPIRED, f"the gateway reported {note.raw_status}", 200, [link])
    if note.claim is not Claim.PAID:
        return _Decision(Verdict.IGNORED, f"{note.raw_status}: nothing to record", 200)
    return _mismatch(link, note.amount, note.currency, "callback")


def _after_report(
    access: GatewayAccess, link: PaymentLink, note: Notification, report: StatusReport
) -> _Decision:
    if report.claim is not Claim.PAID:
        return _Decision(
            Verdict.REJECTED,
            f"stale: the status API reports {report.raw_status}, not paid",
            409,
        )
    flagged = _mismatch(link, report.amount, report.currency, "status API")
    if flagged is not None:
        return flagged
    payment_id = _payment_id(access, note)
    link.pay(payment_id, note.reference, link.amount)
    paid = f"paid {link.amount} {link.currency}"
    if link.purpose is not LinkPurpose.INVOICE:
        # No invoice and no customer: the settlement sells the voucher or credits the agent.
        reference = _reference(access, note)
        return _Decision(Verdict.APPLIED, paid, 200, [link], settle=link, reference=reference)
    command = RecordPayment(
        link.customer_id, link.amount, PaymentMethod.GATEWAY, _reference(access, note)
    )
    return _Decision(Verdict.APPLIED, paid, 200, [link], command)


def _mismatch(
    link: PaymentLink, amount: int | None, currency: str, source: str
) -> _Decision | None:
    reason = link.mismatch(amount, currency)
    if reason is None:
        return None
    link.flag(f"{source}: {reason}", amount, currency)
    return _Decision(Verdict.FLAGGED, f"held for review: {reason}", 422, [link])


def _reference(access: GatewayAccess, note: Notification) -> str:
    return f"{access.gateway.value}:{note.dedupe_key}"


def _payment_id(access: GatewayAccess, note: Notification) -> UUID:
    return Payment.id_for(access.tenant_id, PaymentMethod.GATEWAY.value, _reference(access, note))


def _stored_note(callback: GatewayCallback) -> Notification:
    """The notification a kept callback carried. Only paid claims wait for a re-check, and a
    paid claim is only ever applied when the status API confirms it."""
    return Notification(
        order_id=callback.order_id or "",
        reference=callback.reference or "",
        dedupe_key=callback.dedupe_key or "",
        claim=Claim.PAID,
        raw_status=callback.claimed_status or "",
        amount=callback.amount,
        currency=callback.currency or "",
    )


def _tenant_id(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


def _gateway(name: str) -> Gateway | None:
    try:
        return Gateway(name)
    except ValueError:
        return None
