"""The mail server, through the standard library's smtplib: plain, STARTTLS or TLS from the
first byte, with a login if one is set. Each e-mail is one connection; a message is written as
text/plain with a text/html alternative."""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from adapters.shared.settings import Settings, SmtpTls
from application.messaging.email_ports import MailRejected, MailUnavailable, OutgoingEmail


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        tls: SmtpTls = SmtpTls.STARTTLS,
        login: tuple[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._tls = host, port, tls
        self._sender = parseaddr(sender)[1] or sender
        self._login = login
        self._timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer | None:
        """None while no host is set (e-mail is off). A host without a sender is refused."""
        if not settings.niaga_smtp_host:
            return None
        if not settings.niaga_smtp_from:
            raise ValueError("NIAGA_SMTP_FROM must be set with NIAGA_SMTP_HOST")
        login = None
        if settings.niaga_smtp_username:
            login = (settings.niaga_smtp_username, settings.niaga_smtp_password or "")
        return cls(
            settings.niaga_smtp_host,
            settings.niaga_smtp_port,
            settings.niaga_smtp_from,
            settings.niaga_smtp_tls,
            login,
            settings.niaga_smtp_timeout_seconds,
        )

    @property
    def describe(self) -> str:
        return f"{self._host}:{self._port} ({self._tls.value}) as {self._sender}"

    def send(self, email: OutgoingEmail) -> str:
        message = self._message(email)
        try:
            with self._connect() as smtp:
                return self._deliver(smtp, message, email.to)
        except smtplib.SMTPResponseException as error:
            words = f"{error.smtp_code} {_text(error.smtp_error)}"
            if error.smtp_code >= 500:
                raise MailRejected(f"the mail server refused the e-mail: {words}") from error
            raise MailUnavailable(f"the mail server did not take the e-mail: {words}") from error
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (0, b""))
            words = f"{code} {_text(reply)}"
            if code >= 500:
                raise MailRejected(f"the mail server refused the address: {words}") from error
            raise MailUnavailable(f"the mail server did not take the address: {words}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise MailUnavailable(f"the mail server is unreachable: {error}") from error

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self._tls is SmtpTls.SSL:
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        if self._tls is SmtpTls.STARTTLS:
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _deliver(self, smtp: smtplib.SMTP, message: EmailMessage, to: str) -> str:
        """MAIL, RCPT and DATA one by one, so the server's answer to DATA (its queue id) can
        be kept; a refusal at any step raises with the server's code and words."""
        if self._login is not None:
            smtp.login(*self._login)
        smtp.ehlo_or_helo_if_needed()
        for code, reply in (smtp.mail(self._sender), smtp.rcpt(to)):
            if code not in (250, 251):
                smtp.rset()
                raise smtplib.SMTPResponseException(code, reply)
        # As bytes with CRLF line ends (smtplib fixes line ends of text only); smtplib checks
        # the server's go-ahead for DATA but not its answer to the message itself.
        code, reply = smtp.data(message.as_bytes(policy=email.policy.SMTP))
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)
        return f"{code} {_text(reply)}"

    def _message(self, email: OutgoingEmail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((email.sender_name, self._sender))
        message["To"] = email.to
        message["Subject"] = email.content.subject
        message["Date"] = formatdate(localtime=False)
        domain = self._sender.rpartition("@")[2] or "niaga"
        # The e-mail's own id: a receiver that sees it twice knows it is one message.
        message["Message-ID"] = f"<{email.message_id}@{domain}>"
        message.set_content(email.content.text)
        message.add_alternative(email.content.html, subtype="html")
        return message


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
