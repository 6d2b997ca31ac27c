"""Deliver e-mail through an SMTP server with smtplib, one connection per run.

TLS always uses ``ssl.create_default_context()`` (smtplib's own default verifies no certificate),
every connection has an explicit timeout, and the SMTP password is never sent over a plain
connection except to the local host.

``sendmail`` raises only when *all* recipients are refused and otherwise returns the refused ones,
so its result is always inspected; each message has exactly one recipient anyway. The envelope
recipient is always given explicitly, never taken from the headers.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.utils import parseaddr

from alerts.channels.base import Channel, Outgoing
from alerts.errors import (
    ChannelUnavailable,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from config.schema import SmtpSettings

logger = logging.getLogger(__name__)

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class SmtpChannel(Channel):
    """Sends each message on a shared connection, with RSET between messages."""

    name = "email"

    def __init__(self, settings: SmtpSettings, from_address: str) -> None:
        self.settings = settings
        self.envelope_from = parseaddr(from_address)[1]
        self._connection: smtplib.SMTP | None = None
        self._sent_on_connection = 0

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.message is None:
            raise PermanentDeliveryError("no e-mail message was built for this digest")
        connection = self._ready_connection()
        try:
            refused = connection.sendmail(
                self.envelope_from, [outgoing.recipient], outgoing.message
            )
        except (smtplib.SMTPException, OSError) as error:
            problem = classify(error)
            if isinstance(problem, ChannelUnavailable):
                self.close()
            raise problem from error
        self._sent_on_connection += 1
        if refused:
            raise classify_refusals(refused)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _ready_connection(self) -> smtplib.SMTP:
        if self._connection is not None and self._sent_on_connection:
            try:
                self._connection.rset()
            except (smtplib.SMTPException, OSError) as error:
                # The server may have closed an idle connection: one fresh one is worth a try.
                logger.info("SMTP connection lost between messages (%s); reconnecting", error)
                self.close()
        if self._connection is None:
            self._connection = self._connect()
            self._sent_on_connection = 0
        return self._connection

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        host, port = settings.host, settings.effective_port
        timeout = settings.timeout.total_seconds()
        if settings.username and settings.security == "none" and host not in _LOCAL_HOSTS:
            raise ChannelUnavailable(
                f"refusing to send the SMTP password to {host} without TLS: "
                "set mail.smtp.security to 'starttls' or 'ssl'"
            )
        connection: smtplib.SMTP | None = None
        try:
            if settings.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(host, port, timeout=timeout)
                if settings.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
            if settings.username:
                connection.login(settings.username, settings.password or "")
        except (smtplib.SMTPException, OSError) as error:
            if connection is not None:
                connection.close()
            logger.warning("cannot open an SMTP session with %s:%s: %s", host, port, error)
            raise ChannelUnavailable(f"SMTP {host}:{port}: {describe(error)}") from error
        return connection


def classify(error: BaseException) -> DeliveryError:
    """Map an smtplib or socket error to transient, permanent or channel-wide."""
    detail = describe(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return classify_refusals(error.recipients)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return ChannelUnavailable(detail)  # an operator must fix the credentials
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        if code == 421 or not 400 <= code < 600:
            return ChannelUnavailable(detail)
        if code < 500:
            return TransientDeliveryError(detail)
        return PermanentDeliveryError(detail)
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return ChannelUnavailable(detail)  # includes timeouts, refused connections, TLS errors
    return TransientDeliveryError(detail)


def classify_refusals(refused: dict[str, tuple[int, bytes]]) -> DeliveryError:
    """A refused recipient: 4xx is worth retrying, 5xx is final for that recipient."""
    details = "; ".join(
        f"{recipient}: {code} {_text(reply)}" for recipient, (code, reply) in refused.items()
    )
    if all(400 <= code < 500 for code, _reply in refused.values()):
        return TransientDeliveryError(f"recipient deferred: {details}")
    return PermanentDeliveryError(f"recipient refused: {details}")


def describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", errors="replace")
    return str(reply)
