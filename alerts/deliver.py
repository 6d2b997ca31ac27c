"""Send what the ledger holds, and record each outcome the moment it is known.

Every pending digest whose ``next_attempt_at`` has come is first *claimed* (an attempt recorded and
the next attempt scheduled), then rendered and sent; it is marked sent right after the receiving
end accepted it (SMTP: the final 250). So a crash loses nothing: the row is still pending and the
next run sends it again with the same Message-ID; only a crash between the 250 and that commit can
produce a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from alerts import ledger
from alerts.channels.apprise import AppriseChannel, channel_name, is_apprise_channel
from alerts.channels.base import Channel
from alerts.channels.outbox import OutboxChannel
from alerts.channels.smtp import SmtpChannel
from alerts.compose import Composer
from alerts.errors import ChannelUnavailable, DeliveryError
from alerts.prepare import targets
from config.loader import Config
from config.schema import WatchList

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one run prepared and delivered (lists of digest ids)."""

    prepared: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed for good and nothing waits for a retry."""
        return not self.failed and not self.retrying

    def merge(self, other: DeliveryReport) -> DeliveryReport:
        for name in ("prepared", "empty", "sent", "retrying", "failed"):
            getattr(self, name).extend(getattr(other, name))
        return self

    def __str__(self) -> str:
        return (
            f"prepared {len(self.prepared)}, sent {len(self.sent)}, "
            f"retrying {len(self.retrying)}, failed {len(self.failed)}, "
            f"empty slots {len(self.empty)}"
        )


def deliver_pending(
    db: Database, config: Config, *, now: datetime, watchlists: Iterable[str] | None = None
) -> DeliveryReport:
    """Send every pending digest that is due (optionally only those of some watch lists)."""
    report = DeliveryReport()
    rows = ledger.pending_due(db, now)
    if watchlists is not None:
        wanted = {name.casefold() for name in watchlists}
        rows = [row for row in rows if row.watchlist.casefold() in wanted]
    if not rows:
        return report
    ledger.claim(db, rows, now)
    composer = Composer(db, config)
    with ledger.relaxed_durability(db):
        for channel_key, group in _by_channel(rows).items():
            channel = open_channel(config, channel_key)
            if channel is None:
                for row in group:
                    _fail(db, row, f"channel {channel_key} is no longer configured", report)
                continue
            with channel:
                _deliver_group(db, config, composer, channel, group, now, report)
    logger.info("digest delivery: %s", report)
    return report


def open_channel(config: Config, channel_key: str) -> Channel | None:
    """The channel for a ledger ``channel`` value, or None if the configuration lost it."""
    mail = config.settings.mail
    if channel_key == ledger.EMAIL_CHANNEL:
        if mail.smtp is None:
            return OutboxChannel(mail.outbox)
        return SmtpChannel(mail.smtp, mail.from_address)
    if is_apprise_channel(channel_key):
        for watchlist in config.watchlists:
            for url in watchlist.apprise:
                if channel_name(url) == channel_key:
                    return AppriseChannel(url)
    return None


def _by_channel(rows: list[ledger.DigestRow]) -> dict[str, list[ledger.DigestRow]]:
    groups: dict[str, list[ledger.DigestRow]] = {}
    for row in rows:
        groups.setdefault(row.channel, []).append(row)
    return groups


def _deliver_group(
    db: Database,
    config: Config,
    composer: Composer,
    channel: Channel,
    group: list[ledger.DigestRow],
    now: datetime,
    report: DeliveryReport,
) -> None:
    for index, row in enumerate(group):
        watchlist = _configured_watchlist(config, row)
        if watchlist is None:
            _fail(db, row, "the watch list or this recipient is no longer configured", report)
            continue
        try:
            channel.send(composer.compose(row, watchlist))
        except ChannelUnavailable as error:
            logger.warning(
                "channel %s unavailable (%s): %d digests deferred",
                channel.name,
                error.detail,
                len(group) - index,
            )
            for deferred in group[index:]:
                _retry_later(db, deferred, now, error.detail, report)
            return
        except DeliveryError as error:
            if error.retry:
                _retry_later(db, row, now, error.detail, report)
            else:
                _fail(db, row, error.detail, report)
        except Exception as error:  # a broken template or a bug must not hold back the others
            logger.exception("digest %s of %r could not be built", row.id, row.watchlist)
            _retry_later(db, row, now, f"{type(error).__name__}: {error}", report)
        else:
            ledger.mark_sent(db, row.id, now)
            report.sent.append(row.id)


def _configured_watchlist(config: Config, row: ledger.DigestRow) -> WatchList | None:
    for watchlist in config.watchlists:
        if watchlist.name == row.watchlist:
            return watchlist if row.target in targets(watchlist) else None
    return None


def _retry_later(
    db: Database, row: ledger.DigestRow, now: datetime, error: str, report: DeliveryReport
) -> None:
    if ledger.record_transient(db, row, now, error):
        logger.info("digest %s (%s) deferred: %s", row.id, row.channel, error)
        report.retrying.append(row.id)
    else:
        logger.error(
            "gave up on digest %s of %r to %s after %s: %s",
            row.id,
            row.watchlist,
            row.channel,
            ledger.GIVE_UP_AFTER,
            error,
        )
        report.failed.append(row.id)


def _fail(db: Database, row: ledger.DigestRow, error: str, report: DeliveryReport) -> None:
    ledger.mark_failed(db, row.id, error)
    logger.error("digest %s of %r to %s failed: %s", row.id, row.watchlist, row.channel, error)
    report.failed.append(row.id)
