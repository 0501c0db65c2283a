"""E-mail: the command that asks for one, and the job that sends one.

Billing notices and reminders are queued by the log (the same policy that queues them for
WhatsApp); the owner's digest and the platform's warnings queue their `OutboundEmail` in their
own transaction; anything else (a sign-in link, an invitation) asks with `request`: a template
name, its variables and an address, once per cause.

The send job is idempotent: it finds the e-mail's record first and does nothing if it was sent
or given up on. Its outcome is recorded as an event (Sent with the server's answer, Failed with
its words and whether it will be retried, Skipped with why). A customer's address is read from
the customer's record when the e-mail is sent: a customer without one, or forgotten, gets none.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.messaging.email_ports import (
    EmailReadModels,
    EmailTemplates,
    Mailer,
    MailRejected,
    MailUnavailable,
    OutgoingEmail,
    RenderedEmail,
)
from application.messaging.message_templates import TemplateService, fill
from application.shared.context import Actor, ActorKind, recording
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox, is_sealed
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from domain.customers.customer import Customer
from domain.messaging.email import OutboundEmail, SkipReason, email_id
from domain.shared.errors import InvalidValue
from domain.shared.values import validate_email

log = logging.getLogger(__name__)
SENDER = Actor(ActorKind.SYSTEM, "email-sender")


class EmailService:
    def __init__(
        self,
        stores: Stores,
        read_models: EmailReadModels,
        sync: ReadModelSync,
        secrets: SecretBox,
        wording: TemplateService,
        templates: EmailTemplates,
        mailer: Mailer | None,
        payment_link_base: str | None = None,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._sync = sync
        self._secrets = secrets
        self._wording = wording
        self._templates = templates
        self._mailer = mailer
        self._payment_link_base = payment_link_base

    @property
    def enabled(self) -> bool:
        """Whether a mail server is configured (without one, e-mails wait in the log)."""
        return self._mailer is not None

    def request(
        self,
        tenant_id: UUID,
        actor: Actor,
        to: str,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        reason: str,
        *,
        sealed: Collection[str] = (),
    ) -> UUID:
        """Send an e-mail to an address once per cause (`source_id` and `reason`): the hook for
        sign-in links, invitations and any other area. The calling command has authorised what
        it is about, so no permission is asked; the address, template and variables are checked
        here, and nothing is recorded when one is wrong. The variables named in `sealed` (a
        link that signs someone in, a person's name) are sealed with the platform key like the
        address, and opened only to write the e-mail."""
        address = validate_email(to)
        if not self._templates.knows(template):
            raise InvalidValue(f"no e-mail template {template!r}", field="template")
        store = self._stores.for_tenant(tenant_id)
        message_id = email_id(source_id, reason)
        if find(store, OutboundEmail, message_id) is not None:
            return message_id
        variables = {
            name: self._secrets.seal(value, f"variables.{name}") if name in sealed else value
            for name, value in variables.items()
        }
        recipient = self._secrets.seal(address)
        email = OutboundEmail.queue(
            message_id, tenant_id, None, template, variables, source_id, recipient
        )
        with recording("RequestEmail", actor=actor, tenant_id=tenant_id):
            try:
                position = store.save_and_locate(email)
            except IntegrityError:
                return message_id  # asked for twice at once: the first stands
        self._sync.wait(store, position)
        return message_id

    def send(self, tenant_id: UUID, message_id: UUID) -> str:
        """Send one e-mail if it still should go; return its status afterwards.

        Raises MailUnavailable (after recording the failure) while retries remain, so the job's
        runner retries it with backoff."""
        store = self._stores.for_tenant(tenant_id)
        email = find(store, OutboundEmail, message_id) or self._from_log(store, message_id)
        if email is None or email.tenant_id != tenant_id:
            return "unknown"
        if email.finished:
            return email.status.value
        address = self._address(store, email)
        if isinstance(address, SkipReason):
            return self._skip(store, email, address)
        content = self._render(store, email)
        if content is None:
            return self._skip(store, email, SkipReason.NO_TEMPLATE)
        sender_name = tenant_of(self._stores, tenant_id).name
        self._deliver(store, email, OutgoingEmail(address, sender_name, email.id, content))
        return email.status.value

    def _deliver(self, store: EventStore, email: OutboundEmail, outgoing: OutgoingEmail) -> None:
        if self._mailer is None:
            raise MailUnavailable("e-mail is off: no SMTP host is configured")
        try:
            answer = self._mailer.send(outgoing)
        except MailUnavailable as error:
            will_retry = email.failed(error.message, retryable=True)
            self._save(store, email)
            if will_retry:
                raise
            return
        except MailRejected as error:
            email.failed(error.message, retryable=False)
            self._save(store, email)
            return
        email.sent(answer)
        self._save(store, email)

    def _from_log(self, store: EventStore, message_id: UUID) -> OutboundEmail | None:
        """A notice the log asked for (an invoice issued, a reminder) gets its record here."""
        row = self._read_models.email(store, message_id)
        if row is None or row.customer_id is None:
            return None
        return OutboundEmail.queue(
            row.id, row.tenant_id, row.customer_id, row.template, row.variables, row.source_id
        )

    def _address(self, store: EventStore, email: OutboundEmail) -> str | SkipReason:
        if email.recipient_sealed:
            return self._secrets.open(email.recipient_sealed)
        customer = find(store, Customer, email.customer_id) if email.customer_id else None
        if customer is None or customer.forgotten:
            return SkipReason.FORGOTTEN
        if not customer.email:
            return SkipReason.NO_ADDRESS
        return str(customer.email)

    def _render(self, store: EventStore, email: OutboundEmail) -> RenderedEmail | None:
        opened = {name: self._opened(value) for name, value in email.variables.items()}
        values = {**opened, **self._known_values(store, email)}
        try:
            wording = self._wording.get(store, email.tenant_id, email.template)
        except NotFound:
            pass  # an e-mail of its own only (a sign-in link): no WhatsApp wording
        else:
            values["pesan"] = fill(wording.text, values)
        return self._templates.render(email.template, values)

    def _opened(self, value: str) -> str:
        return self._secrets.open(value) if is_sealed(value) else value

    def _known_values(self, store: EventStore, email: OutboundEmail) -> dict[str, str]:
        values = {"perusahaan": tenant_of(self._stores, email.tenant_id).name}
        customer = find(store, Customer, email.customer_id) if email.customer_id else None
        if customer is not None:
            values["nama"] = str(customer.name)
            plan = self._read_models.plan_of(store, email.tenant_id, customer.id)
            if plan and "paket" not in email.variables:
                values["paket"] = plan
            if self._payment_link_base and "link_bayar" not in email.variables:
                base = self._payment_link_base.rstrip("/")
                values["link_bayar"] = f"{base}/{email.source_id}"
        return values

    def _skip(self, store: EventStore, email: OutboundEmail, reason: SkipReason) -> str:
        email.skip(reason)
        self._save(store, email)
        return email.status.value

    def _save(self, store: EventStore, email: OutboundEmail) -> None:
        with recording("SendEmail", actor=SENDER, tenant_id=email.tenant_id):
            try:
                position = store.save_and_locate(email)
            except IntegrityError:
                log.info("e-mail %s was recorded by another job meanwhile", email.id)
                return
        self._sync.wait(store, position)
