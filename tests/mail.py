"""A real SMTP server for the tests: aiosmtpd in-process on a free port, with scripted refusals."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import deque
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every accepted message; answers with queued refusal codes first, if any."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: deque[str] = deque()
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds to wait before accepting each message (a slow relay)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refusals:
                return self.refusals.popleft()
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def refuse(self, answer: str, times: int = 1) -> None:
        """Answer the next `times` messages with e.g. '451 try later' or '550 no such user'."""
        self.refusals.extend([answer] * times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages
