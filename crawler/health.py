"""How each source is doing, from its crawl runs: for ``presswatch status`` and digest footers.

Per source: the last run and its status, when it last succeeded, how many runs in a row failed
(``failed``, ``timeout`` or ``killed``; runs still ``running`` are ignored), and whether it
*went quiet*.

"Went quiet" rule: a source has gone quiet when its newest article is older than
``max(3 × usual gap, 6 × interval)``, where the usual gap is the median time between consecutive
runs that found new articles, over its last 20 such runs. Sites publish irregularly (nights,
weekends), so one missed interval says nothing; three usual gaps without anything new usually
means a changed feed URL, a redesign the extractor no longer reads, or a block. With fewer than
three new-article runs there is no usual gap yet and ``6 × interval`` alone applies. A source that
has run successfully for longer than that without ever finding an article is quiet too.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from config.schema import Source
from crawler.store import from_db_time

HISTORY = 20  # new-article runs that define a source's usual gap
GAP_FACTOR = 3
INTERVAL_FACTOR = 6
FAILED = ("failed", "timeout", "killed")


@dataclass(frozen=True)
class SourceHealth:
    name: str
    last_run_at: datetime | None
    last_status: str | None
    last_message: str | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_new_at: datetime | None  # start of the newest run that found a new article
    usual_gap: timedelta | None  # median gap between new-article runs, when known
    quiet_after: timedelta  # the "went quiet" threshold for this source
    quiet: bool

    @property
    def healthy(self) -> bool:
        return self.last_status == "ok" and self.consecutive_failures == 0 and not self.quiet

    def summary(self) -> str:
        """One line for a status table or a digest footer."""
        if self.last_run_at is None:
            return f"{self.name}: never crawled"
        parts = [f"{self.name}: last run {self.last_status} at {self.last_run_at:%Y-%m-%d %H:%M}"]
        if self.consecutive_failures:
            parts.append(f"{self.consecutive_failures} failed run(s) in a row")
        if self.quiet:
            since = f"{self.last_new_at:%Y-%m-%d %H:%M}" if self.last_new_at else "ever"
            parts.append(f"went quiet: nothing new since {since}")
        return "; ".join(parts)


def source_health(db: Database, sources: Iterable[Source], now: datetime) -> list[SourceHealth]:
    """The health of every source in ``sources``, in the same order."""
    return [_health(db, source, now) for source in sources]


def _health(db: Database, source: Source, now: datetime) -> SourceHealth:
    finished = db.execute(
        "SELECT started_at, status, message FROM crawl_runs WHERE source = ?"
        " AND status != 'running' ORDER BY started_at DESC, id DESC LIMIT 200",
        [source.name],
    ).fetchall()
    new_article_runs = [
        from_db_time(row[0])
        for row in db.execute(
            "SELECT started_at FROM crawl_runs WHERE source = ? AND new > 0"
            " ORDER BY started_at DESC LIMIT ?",
            [source.name, HISTORY + 1],
        ).fetchall()
    ]
    last_success = db.execute(
        "SELECT MAX(started_at) FROM crawl_runs WHERE source = ? AND status = 'ok'",
        [source.name],
    ).fetchone()[0]
    first_success = db.execute(
        "SELECT MIN(started_at) FROM crawl_runs WHERE source = ? AND status = 'ok'",
        [source.name],
    ).fetchone()[0]
    usual_gap = _median_gap([moment for moment in new_article_runs if moment])
    quiet_after = quiet_threshold(source.interval, usual_gap)
    last_new_at = new_article_runs[0] if new_article_runs else None
    return SourceHealth(
        name=source.name,
        last_run_at=from_db_time(finished[0][0]) if finished else None,
        last_status=finished[0][1] if finished else None,
        last_message=finished[0][2] if finished else None,
        last_success_at=from_db_time(last_success),
        consecutive_failures=_failures_in_a_row([row[1] for row in finished]),
        last_new_at=last_new_at,
        usual_gap=usual_gap,
        quiet_after=quiet_after,
        quiet=_went_quiet(last_new_at, from_db_time(first_success), quiet_after, now),
    )


def quiet_threshold(interval: timedelta, usual_gap: timedelta | None) -> timedelta:
    """How long without a new article before a source counts as gone quiet."""
    floor = INTERVAL_FACTOR * interval
    return max(GAP_FACTOR * usual_gap, floor) if usual_gap else floor


def _median_gap(moments: list[datetime]) -> timedelta | None:
    # At least two gaps (three runs), or one odd gap would define "usual".
    if len(moments) < 3:
        return None
    ordered = sorted(moments)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(ordered)]
    return timedelta(seconds=statistics.median(gaps))


def _failures_in_a_row(statuses: list[str]) -> int:
    count = 0
    for status in statuses:
        if status not in FAILED:
            break
        count += 1
    return count


def _went_quiet(
    last_new_at: datetime | None,
    first_success_at: datetime | None,
    threshold: timedelta,
    now: datetime,
) -> bool:
    if last_new_at is not None:
        return now - last_new_at > threshold
    # Never found anything: quiet once it has been crawling successfully for that long.
    return first_success_at is not None and now - first_success_at > threshold
