"""Decide what is due and commit it to the ledger, before anything is sent.

For every watch list, one write transaction (``BEGIN IMMEDIATE``) covers all its targets (each
e-mail recipient, each apprise channel): for each it reads the last slot handled, works out what
is due (:mod:`alerts.due`), selects the matched articles that target has not received yet and
records the digest with its articles. Two processes preparing at once therefore cannot both claim
an article, and preparing the same slot twice finds the deterministic row already there.

Streams: scheduled and catch-up digests form the ``digest`` stream, instant alerts the ``instant``
stream. Unless the list sets ``instant_and_digest``, each stream skips the articles the other one
already holds, so what a recipient got instantly is not repeated in the next digest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from alerts import ledger
from alerts.channels.apprise import channel_name
from alerts.due import due_periods, parse_period, period_key, plan_digest
from config.loader import Config
from config.schema import WatchList
from crawler.store import to_db_time, write_transaction

logger = logging.getLogger(__name__)


@dataclass
class Prepared:
    """Digests committed to the ledger by one preparation pass."""

    pending: list[str] = field(default_factory=list)  # to be sent
    empty: list[str] = field(default_factory=list)  # empty slots, recorded as skipped


def targets(watchlist: WatchList) -> list[ledger.Target]:
    """Everyone who receives the list: e-mail recipients, then apprise channels."""
    emails = [
        ledger.Target(watchlist.name, recipient, ledger.EMAIL_CHANNEL)
        for recipient in watchlist.recipients
    ]
    channels = [channel_name(url) for url in watchlist.apprise]
    return emails + [ledger.Target(watchlist.name, name, name) for name in channels]


def digest_streams(watchlist: WatchList) -> tuple[str, ...]:
    """Streams whose articles a scheduled digest leaves out."""
    if watchlist.instant and not watchlist.instant_and_digest:
        return ("digest", "instant")
    return ("digest",)


def instant_streams(watchlist: WatchList) -> tuple[str, ...]:
    """Streams whose articles an instant alert leaves out."""
    if watchlist.instant_and_digest:
        return ("instant",)
    return ("instant", "digest")


def selected_watchlists(config: Config, names: Iterable[str] | None) -> list[WatchList]:
    """The configured lists, or those named (case-insensitive); an unknown name is a KeyError."""
    if names is None:
        return list(config.watchlists)
    by_name = {watchlist.name.casefold(): watchlist for watchlist in config.watchlists}
    chosen = []
    for name in names:
        if name.casefold() not in by_name:
            raise KeyError(f"no watch list named {name!r}")
        chosen.append(by_name[name.casefold()])
    return chosen


def prepare_due(
    db: Database, config: Config, *, now: datetime, watchlists: Iterable[str] | None = None
) -> Prepared:
    """Record the scheduled (or one catch-up) digest due now for every target."""
    prepared = Prepared()
    for watchlist in selected_watchlists(config, watchlists):
        if not watchlist.digest.enabled:
            continue
        timezone = config.digest_timezone(watchlist)
        # One transaction per list: all its targets are recorded together, with one fsync.
        with write_transaction(db):
            for target in targets(watchlist):
                last = ledger.last_period(db, target)
                due = due_periods(
                    watchlist.digest.times, timezone, parse_period(last) if last else None, now
                )
                plan = plan_digest(due)
                if plan is None:
                    continue
                kind, slot = plan
                if kind == "catch-up":
                    logger.warning(
                        "%d digest slots of %r were missed (since %s): sending one catch-up",
                        len(due),
                        watchlist.name,
                        last,
                    )
                _record(
                    db,
                    config,
                    watchlist,
                    target,
                    kind=kind,
                    period=period_key(slot),
                    streams=digest_streams(watchlist),
                    send_empty=watchlist.digest.send_empty,
                    now=now,
                    prepared=prepared,
                )
    return prepared


def prepare_instant(
    db: Database, config: Config, *, now: datetime, watchlists: Iterable[str] | None = None
) -> Prepared:
    """Record an instant alert for every target of an instant list with new matches."""
    prepared = Prepared()
    for watchlist in selected_watchlists(config, watchlists):
        if not watchlist.instant:
            continue
        # One transaction per list: all its targets are recorded together, with one fsync.
        with write_transaction(db):
            for target in targets(watchlist):
                articles = ledger.unclaimed_articles(
                    db,
                    target,
                    instant_streams(watchlist),
                    seen_since=ledger.coverage_start(db, target, now),
                    now=now,
                )
                if not articles:
                    continue
                # Unique per target: the first article can be claimed by one alert only.
                period = f"{to_db_time(now)}#{articles[0]}"
                _record(
                    db,
                    config,
                    watchlist,
                    target,
                    kind="instant",
                    period=period,
                    streams=instant_streams(watchlist),
                    send_empty=False,
                    now=now,
                    prepared=prepared,
                    articles=articles,
                )
    return prepared


def _record(
    db: Database,
    config: Config,
    watchlist: WatchList,
    target: ledger.Target,
    *,
    kind: str,
    period: str,
    streams: tuple[str, ...],
    send_empty: bool,
    now: datetime,
    prepared: Prepared,
    articles: list[int] | None = None,
) -> None:
    if articles is None:
        articles = ledger.unclaimed_articles(
            db, target, streams, seen_since=ledger.coverage_start(db, target, now), now=now
        )
    status = "pending" if articles or send_empty else "skipped"
    recorded = ledger.record(
        db,
        target,
        kind=kind,
        period=period,
        articles=articles,
        now=now,
        status=status,
        from_address=config.settings.mail.from_address,
    )
    if recorded is None:
        return
    (prepared.pending if status == "pending" else prepared.empty).append(recorded)
    logger.debug(
        "prepared %s %s of %r for %s: %d articles (%s)",
        kind,
        period,
        watchlist.name,
        target.channel,
        len(articles),
        status,
    )
