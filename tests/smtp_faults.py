"""Real SMTP servers on 127.0.0.1 for the alerts tests: a recording aiosmtpd sink and its faults.

``RecordingHandler`` accepts mail like a normal server and keeps every message it accepted; its
attributes switch on one fault at a time (a refused recipient, a 4xx/5xx reply to DATA, a link
dropped after DATA, a stall past the client's timeout, a DATA that blocks until released).
``greeting_server`` is a plain socket server that answers 421 to every connection, which aiosmtpd
cannot be made to do at connect time.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that records accepted mail; set an attribute to inject a fault."""

    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply, e.g. "550 no"
    data_reply: str | None = None  # e.g. "451 try later": the message is not accepted
    drop_after_data: bool = False  # keep the message, then close the link before replying
    stall_seconds: float = 0.0  # wait this long before replying to DATA
    hold_data: threading.Event | None = None  # when set: block DATA until the event is set
    record_before_hold: bool = False  # with hold_data: count the message as received first
    data_started: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    rcpt_commands: list[str] = field(default_factory=list)
    auth_attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self._lock:
            self.rcpt_commands.append(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_started.set()
        message = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        if self.hold_data is not None:
            if self.record_before_hold:
                self._keep(message)
            while not self.hold_data.is_set():
                await asyncio.sleep(0.01)
            if self.record_before_hold:
                return "250 OK"
            return "451 the client went away"
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        if self.data_reply is not None:
            return self.data_reply
        self._keep(message)
        if self.drop_after_data:
            server.transport.close()
        return "250 OK"

    def _keep(self, message: Received) -> None:
        with self._lock:
            self.received.append(message)

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(item.message["Message-ID"]) for item in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(handler: RecordingHandler, **smtp_options: object) -> Iterator[int]:
    """Run aiosmtpd with ``handler`` on a free loopback port; yields the port."""
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5, **smtp_options
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


class _Greeting421(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.connections += 1  # type: ignore[attr-defined]
        self.request.sendall(b"421 127.0.0.1 Service not available, try later\r\n")


@contextlib.contextmanager
def greeting_server() -> Iterator[tuple[int, socketserver.ThreadingTCPServer]]:
    """A server that answers every connection with ``421`` and hangs up."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Greeting421)
    server.daemon_threads = True
    server.connections = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server
    finally:
        server.shutdown()
        server.server_close()
