"""Digests and instant alerts that are never lost and never silently duplicated.

The public entry points, used by the CLI and the service:

- :func:`send_due`: prepare the digests due now (ledger first) and deliver what is pending.
- :func:`send_instant`: after a crawl, prepare instant alerts for new matches and deliver them.
- :func:`deliver_pending`: deliver (or retry) whatever the ledger holds; call it at start-up.
- :func:`preview`: the HTML of a list's next digest, without sending or recording anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlite_utils import Database

from alerts import ledger
from alerts.compose import Composer
from alerts.content import DigestScope
from alerts.deliver import DeliveryReport, deliver_pending
from alerts.prepare import (
    digest_streams,
    prepare_due,
    prepare_instant,
    selected_watchlists,
    targets,
)
from config.loader import Config

__all__ = ["DeliveryReport", "deliver_pending", "preview", "send_due", "send_instant"]


def send_due(
    db: Database, config: Config, *, now: datetime, watchlists: Iterable[str] | None = None
) -> DeliveryReport:
    """Send what is due at ``now``: ``presswatch digest [--watchlist NAME]``."""
    names = list(watchlists) if watchlists is not None else None
    prepared = prepare_due(db, config, now=now, watchlists=names)
    report = DeliveryReport(prepared=list(prepared.pending), empty=list(prepared.empty))
    return report.merge(deliver_pending(db, config, now=now, watchlists=names))


def send_instant(db: Database, config: Config, *, now: datetime) -> DeliveryReport:
    """Instant alerts for matches stored since the last alert; call right after a crawl."""
    prepared = prepare_instant(db, config, now=now)
    report = DeliveryReport(prepared=list(prepared.pending))
    return report.merge(deliver_pending(db, config, now=now))


def preview(db: Database, config: Config, watchlist: str, *, now: datetime) -> str:
    """The HTML digest the list's first recipient would get now; nothing is sent or recorded.

    :raises KeyError: if no watch list has that name.
    """
    (chosen,) = selected_watchlists(config, [watchlist])
    audience = targets(chosen)
    target = audience[0] if audience else ledger.Target(chosen.name, "", ledger.EMAIL_CHANNEL)
    articles = ledger.unclaimed_articles(
        db,
        target,
        digest_streams(chosen),
        seen_since=ledger.coverage_start(db, target, now),
        now=now,
    )
    since = ledger.previous_created_at(db, target, "digest", now)
    scope = DigestScope(
        watchlist=chosen,
        kind="digest",
        article_ids=tuple(articles),
        since=since or now - ledger.FIRST_DIGEST_LOOKBACK,
        until=now,
    )
    return Composer(db, config).render_scope(scope).html
