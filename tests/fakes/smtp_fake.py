"""A mail server on a real socket (aiosmtpd): records every e-mail it accepts, parsed, and can
answer the next few with a temporary failure (451) or a refusal (550), as a greylisting or
strict server would. `settings_for` points Niaga's SMTP settings at it."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.shared.settings import Settings, SmtpTls

SENDER = "tagihan@niaga.example.id"


@dataclass(frozen=True)
class ReceivedEmail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        """The text of the text/<subtype> part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        assert body.get_content_subtype() == subtype, f"no text/{subtype} part"
        return str(body.get_content())


class FakeSmtp:
    def __init__(self) -> None:
        self.received: list[ReceivedEmail] = []
        self.attempts = 0
        self._failures: list[str] = []
        self._lock = threading.Lock()
        self._port = _free_port()
        self._controller: Controller | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        """Listen (again, after `stop`, on the same port)."""
        self._controller = Controller(self, hostname=self.host, port=self._port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connecting is refused until `start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, count: int, answer: str = "451 4.7.1 Greylisted, try again later") -> None:
        """Answer the next `count` e-mails' DATA with this instead of accepting them."""
        with self._lock:
            self._failures += [answer] * count

    def settings_for(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "niaga_smtp_host": self.host,
                "niaga_smtp_port": self.port,
                "niaga_smtp_tls": SmtpTls.NONE,
                "niaga_smtp_from": f"Niaga <{SENDER}>",
                "niaga_smtp_timeout_seconds": 5.0,
            }
        )

    # aiosmtpd's handler hook (called on its event-loop thread).
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.attempts += 1
            if self._failures:
                return self._failures.pop(0)
            raw = envelope.original_content or b""
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            sender = str(envelope.mail_from)
            self.received.append(ReceivedEmail(sender, list(envelope.rcpt_tos), parsed))
            return f"250 2.0.0 Ok: queued as Q{len(self.received):05d}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[FakeSmtp]:
    fake = FakeSmtp()
    fake.start()
    yield fake
    fake.stop()
