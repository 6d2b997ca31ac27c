"""The alerts' exceptions: what went wrong and whether trying again later can help."""

from __future__ import annotations


class AlertError(Exception):
    """Base class of every error raised by :mod:`alerts`."""


class TemplateProblem(AlertError):
    """A digest template is missing or broken (often a user override in ``mail.templates``)."""


class DeliveryError(AlertError):
    """One message could not be delivered on one channel.

    :param detail: what the server or library said, safe to log (never a secret URL).
    """

    retry: bool = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: a 4xx reply, a refused or dropped connection, a timeout."""

    retry = True


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: a 5xx reply or a refused recipient."""


class ChannelUnavailable(TransientDeliveryError, ConnectionError):
    """The channel itself is down (no connection, timeout, dropped link).

    The message being sent is retried later, and so is every other message queued on that channel
    in this run, instead of waiting out one timeout per message.
    """
