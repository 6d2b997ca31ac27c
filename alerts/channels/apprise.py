"""Deliver the compact text of a digest to an apprise URL (ntfy, Slack, Telegram, JSON, ...).

An apprise URL often holds a secret (a token, a password), so it never appears in presswatch's
logs or ledger: :func:`channel_name` gives each URL a stable name made of its scheme and a hash.
"""

from __future__ import annotations

import hashlib
import logging

import apprise

from alerts.channels.base import Channel, Outgoing
from alerts.errors import PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "apprise:"


def channel_name(url: str) -> str:
    """``apprise:<scheme>-<12 hex digits>``: stable for a URL and free of its secrets."""
    scheme = url.partition("://")[0].lower() if "://" in url else "url"
    if not scheme.isalnum():
        scheme = "url"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return f"{CHANNEL_PREFIX}{scheme}-{digest}"


def is_apprise_channel(channel: str) -> bool:
    return channel.startswith(CHANNEL_PREFIX)


class AppriseChannel(Channel):
    def __init__(self, url: str) -> None:
        self.name = channel_name(url)
        self._url = url

    def send(self, outgoing: Outgoing) -> None:
        notifier = apprise.Apprise()
        if not notifier.add(self._url):
            logger.error(
                "apprise cannot use the URL of channel %s; check the watch list", self.name
            )
            raise PermanentDeliveryError(f"{self.name}: apprise does not accept this URL")
        try:
            delivered = notifier.notify(
                title=outgoing.rendered.subject,
                body=outgoing.rendered.compact,
                body_format=apprise.NotifyFormat.TEXT,
            )
        except Exception as error:  # a plugin bug must not stop the other channels
            raise TransientDeliveryError(f"{self.name}: {type(error).__name__}") from error
        if not delivered:
            raise TransientDeliveryError(f"{self.name}: the service did not accept the message")
