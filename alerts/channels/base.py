"""What every delivery channel offers: open once, send message after message, close.

A channel reports each message's fate by returning (delivered) or by raising a
:class:`~alerts.errors.DeliveryError`: transient ones are retried later, permanent ones mark the
digest failed, and :class:`~alerts.errors.ChannelUnavailable` defers every remaining message of
the run on that channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType

from alerts.render import Rendered


@dataclass(frozen=True)
class Outgoing:
    """One ledger digest, rendered and ready for its channel."""

    digest_id: str
    recipient: str
    rendered: Rendered
    message: bytes | None  # the e-mail as sent on the wire, for the e-mail channels


class Channel(ABC):
    """A way out for rendered digests (SMTP, the outbox folder, an apprise URL)."""

    #: A stable, secret-free name for logs and for the ledger's ``channel`` column.
    name: str

    @abstractmethod
    def send(self, outgoing: Outgoing) -> None:
        """Deliver one digest; return only once the receiving end has accepted it."""

    def close(self) -> None:  # noqa: B027 (an optional hook: most channels hold nothing open)
        """Release connections; called once after the last message of a run."""

    def __enter__(self) -> Channel:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
