"""Turning an outbox row into an e-mail and handing it over: real SMTP, or caught into files."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app

from tracker.notifications.models import OutboxMessage


class TransientError(Exception):
    """Worth trying again later: a timeout, a dropped connection, a 4xx answer."""


class PermanentError(Exception):
    """Trying again will not help: the server refused the message or recipient (5xx)."""


def build(message: OutboxMessage) -> EmailMessage:
    """The MIME message: text and HTML alternatives, with the outbox's stable Message-ID."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient_email
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Content-Language"] = message.language
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


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

    def send(self, email: EmailMessage) -> None:
        """Deliver one message; raise TransientError or PermanentError when it was not."""
        if self.config["MAIL_TRANSPORT"] != "smtp":
            send_to_file(email)
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
            self.client.send_message(email)
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


def send_to_file(email: EmailMessage) -> None:
    """The embedded default: write the message as an .eml file into the catch folder."""
    folder = Path(current_app.config["MAIL_CATCH_DIR"])
    name = email["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.eml").write_bytes(bytes(email))
    except OSError as error:
        raise TransientError(f"cannot write caught mail: {error}"[:500]) from error
