"""Turning an outbox row into an e-mail and handing it over: real SMTP, or caught into files."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from flask import current_app

from tracker.notifications.models import OutboxMessage


class TransientError(Exception):
    """Worth trying again later: a timeout, a dropped connection, a 4xx answer."""


class PermanentError(Exception):
    """Trying again will not help: the server refused the message or recipient (5xx)."""


MAX_LINE = 998  # SMTP's hard limit (RFC 5321 4.5.3.1.6)
WIRE = compat32.clone(linesep="\r\n")  # SMTP's line ends; sendmail sends bytes as they are


@dataclass(frozen=True)
class Mail:
    """A message ready for the wire: envelope addresses and the flattened MIME bytes."""

    message_id: str
    sender: str
    recipient: str
    data: bytes


EIGHT_BIT = Charset("utf-8")
EIGHT_BIT.body_encoding = None  # 7bit or 8bit as it is, readable in caught .eml files
QUOTED_PRINTABLE = Charset("utf-8")
QUOTED_PRINTABLE.body_encoding = QP


def _part(text: str, subtype: str) -> MIMEText:
    """As it is when no line is too long for SMTP, else quoted-printable (still readable)."""
    short = max(map(len, text.encode().splitlines()), default=0) <= MAX_LINE
    return MIMEText(text, subtype, EIGHT_BIT if short else QUOTED_PRINTABLE)


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def build(message: OutboxMessage, sender: str | None = None) -> Mail:
    """The MIME message: text and HTML alternatives, with the outbox's stable Message-ID.

    Built with the classic (compat32) email API: a third of the cost of EmailMessage's
    header registry, for the same headers and parts.
    """
    sender = sender or current_app.config["MAIL_FROM"]
    name, address = parseaddr(sender)
    # A random boundary of our own, so the generator need not compile a regular expression
    # per message to check one of its own against the text.
    email = MIMEMultipart("alternative", boundary=f"=_{uuid.uuid4().hex}")
    email["Subject"] = _header(message.subject)
    email["From"] = formataddr((name, address), charset="utf-8")
    email["To"] = message.recipient_email
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Content-Language"] = message.language
    email["Auto-Submitted"] = "auto-generated"
    email.attach(_part(message.body_text, "plain"))
    email.attach(_part(message.body_html, "html"))
    return Mail(message.message_id, address, message.recipient_email, email.as_bytes(policy=WIRE))


def _classify(error: smtplib.SMTPException | OSError) -> Exception:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = codes and all(500 <= code < 600 for code in codes)
        return (PermanentError if permanent else TransientError)(str(error)[:500])
    code = getattr(error, "smtp_code", None)
    if (
        isinstance(code, int)
        and 500 <= code < 600
        and not isinstance(error, smtplib.SMTPAuthenticationError)
    ):
        return PermanentError(f"{code} {getattr(error, 'smtp_error', b'')!r}"[:500])
    return TransientError(f"{type(error).__name__}: {error}"[:500])


class Transport:
    """Hands messages to the configured transport, keeping one SMTP connection per batch.

    After any SMTP error the connection is dropped; the next message opens a fresh one.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=config["MAIL_TIMEOUT"],
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
        if config["MAIL_USE_TLS"]:
            client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return client

    def send(self, mail: Mail) -> None:
        """Deliver one message; raise TransientError or PermanentError when it was not."""
        if self.config["MAIL_TRANSPORT"] != "smtp":
            send_to_file(mail)
            return
        if self.client is None:
            try:
                self.client = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                # The relay itself refused us (down, maintenance, credentials): no message is
                # to blame, so none is failed for good.
                self.close()
                raise TransientError(f"{type(error).__name__}: {error}"[:500]) from error
        try:
            options = ["BODY=8BITMIME"] if self.client.has_extn("8bitmime") else []
            self.client.sendmail(mail.sender, [mail.recipient], mail.data, options)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise _classify(error) from error

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def send_to_file(mail: Mail) -> None:
    """The embedded default: write the message as an .eml file into the catch folder."""
    folder = Path(current_app.config["MAIL_CATCH_DIR"])
    name = mail.message_id.strip("<>").replace("@", "_at_").replace("/", "_")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.eml").write_bytes(mail.data)
    except OSError as error:
        raise TransientError(f"cannot write caught mail: {error}"[:500]) from error
