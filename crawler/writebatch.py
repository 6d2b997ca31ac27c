"""Several crawl writes per SQLite transaction, each one still stored whole or not at all.

A commit with ``synchronous = FULL`` costs an fsync, and FTS5 writes a new index segment per
transaction (merged again later): one transaction per article made storing cost more than
matching and linking it. :class:`WriteBatch` keeps one ``BEGIN IMMEDIATE`` transaction open
across several *units* (one article with its URLs, matches and story; or one skipped page), each
inside its own savepoint, and commits after ``max_units`` units, ``max_seconds`` after the
transaction began, and whenever asked (a spider closing or being stopped).

What this keeps:

* a unit that fails is rolled back to its savepoint alone; the others in the batch stay;
* a process killed at any moment loses whole units only, never part of one: SQLite discards an
  uncommitted transaction when the database is next opened;
* nothing is reported as stored before it is committed: each unit's ``on_commit`` runs after the
  COMMIT, and if the batch is lost (the COMMIT fails, or an error destroys the transaction), each
  unit's ``on_lost`` runs instead, so the spider can have its listings read again.

The spiders of one crawl process run in one thread and share one connection and one batch per
database file (:func:`acquire_batch`): with a connection each, one spider's open transaction
would make another wait for the write lock in the very thread that has to commit it.

The cost: the crawl holds the archive's write lock for up to ``max_seconds`` at a time; other
processes' writers wait for it (their busy timeout is far longer), readers are not blocked (WAL).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from crawler.store import open_database

logger = logging.getLogger(__name__)

MAX_UNITS = 100
MAX_SECONDS = 1.0

# schedule(delay, function) runs function after delay seconds and returns a handle with cancel().
Scheduler = Callable[[float, Callable[[], None]], Any]


@dataclass(frozen=True)
class _Unit:
    on_commit: Callable[[], None] | None
    on_lost: Callable[[], None] | None


class WriteBatch:
    """Write units into ``db`` in shared transactions (see the module docstring).

    :param schedule: runs the time-based commit when no new unit arrives (the reactor's
        ``callLater``); without it, the time limit is only checked when a unit is added.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_units: int = MAX_UNITS,
        max_seconds: float = MAX_SECONDS,
        schedule: Scheduler | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.max_units = max_units
        self.max_seconds = max_seconds
        self.schedule = schedule
        self.clock = clock
        self._units: list[_Unit] = []
        self._began_at = 0.0
        self._timer: Any = None
        self._savepoints = 0

    @property
    def pending(self) -> int:
        """Units written but not committed yet."""
        return len(self._units)

    @contextlib.contextmanager
    def unit(
        self,
        *,
        on_commit: Callable[[], None] | None = None,
        on_lost: Callable[[], None] | None = None,
    ) -> Iterator[Database]:
        """Write one unit: the block runs inside a savepoint of the batch's transaction.

        An exception in the block rolls back this unit only and propagates (``on_lost`` is not
        called for it: the caller sees the exception).
        """
        self._begin()
        connection = self.db.conn
        self._savepoints += 1
        name = f"unit_{self._savepoints}"
        connection.execute(f"SAVEPOINT {name}")
        try:
            yield self.db
        except BaseException:
            if connection.in_transaction:
                connection.execute(f"ROLLBACK TO SAVEPOINT {name}")
                connection.execute(f"RELEASE SAVEPOINT {name}")
            else:
                # The error ended the whole transaction (a full disk, say): the batch is gone.
                self._lose("the transaction was rolled back by an error")
            raise
        connection.execute(f"RELEASE SAVEPOINT {name}")
        self._units.append(_Unit(on_commit, on_lost))
        if len(self._units) >= self.max_units or self._due():
            self.commit()

    def commit(self) -> bool:
        """Commit what is pending; False when the batch was lost instead."""
        self._cancel_timer()
        connection = self.db.conn
        if not connection.in_transaction:
            if self._units:
                self._lose("the transaction ended before its commit")
                return False
            return True
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            self._lose(f"COMMIT failed: {error}")
            return False
        units, self._units = self._units, []
        for unit in units:
            if unit.on_commit is not None:
                unit.on_commit()
        return True

    def _begin(self) -> None:
        if self.db.conn.in_transaction:
            return
        if self._units:
            self._lose("the transaction ended before its commit")
        self.db.conn.execute("BEGIN IMMEDIATE")
        self._began_at = self.clock()
        if self.schedule is not None:
            self._timer = self.schedule(self.max_seconds, self._commit_if_open)

    def _due(self) -> bool:
        return self.clock() - self._began_at >= self.max_seconds

    def _commit_if_open(self) -> None:
        self._timer = None
        if self.db.conn.in_transaction:
            self.commit()

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            with contextlib.suppress(Exception):  # already run or cancelled
                timer.cancel()

    def _lose(self, reason: str) -> None:
        units, self._units = self._units, []
        if not units:
            return
        logger.error("a write batch of %d units was not committed: %s", len(units), reason)
        for unit in units:
            if unit.on_lost is not None:
                unit.on_lost()


# The batches of this process by database file, with the number of spiders using each.
_shared: dict[Path, tuple[WriteBatch, int]] = {}


def acquire_batch(database: str | Path, *, schedule: Scheduler | None = None) -> WriteBatch:
    """The write batch (and connection: ``batch.db``) of this process for ``database``."""
    path = Path(database).resolve()
    if path in _shared:
        batch, users = _shared[path]
    else:
        batch, users = WriteBatch(open_database(path), schedule=schedule), 0
    _shared[path] = (batch, users + 1)
    return batch


def release_batch(batch: WriteBatch) -> None:
    """Stop using ``batch``; the last user commits it and closes its connection."""
    for path, (shared, users) in list(_shared.items()):
        if shared is batch:
            if users > 1:
                _shared[path] = (shared, users - 1)
                return
            del _shared[path]
            break
    try:
        batch.commit()
    finally:
        batch.db.close()
