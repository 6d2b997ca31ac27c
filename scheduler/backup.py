"""``presswatch backup FILE``: a consistent copy of the live archive, even while it is written.

Copying the file (``cp``) while SQLite writes can produce a torn, corrupt copy and misses what is
still in the WAL. SQLite's online backup API reads the database through a normal read transaction
instead, so the copy is one consistent snapshot, WAL included. It is copied in a single step: in
WAL mode a reader never blocks the writer, whereas a copy in several steps starts over each time
another connection writes and might never finish under a busy service.

The copy is written to a temporary file beside the target, checked with ``PRAGMA
integrity_check`` and only then renamed over the target, so FILE is never left half written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from crawler.store import BUSY_TIMEOUT_MS

logger = logging.getLogger(__name__)


class BackupError(RuntimeError):
    """The backup could not be made; the message says why and the target is left untouched."""


@dataclass(frozen=True)
class BackupResult:
    target: Path
    bytes: int
    pages: int
    seconds: float


def backup_database(database: str | Path, target: str | Path) -> BackupResult:
    """Copy the archive at ``database`` into ``target`` with SQLite's backup API.

    :raises BackupError: if the database does not exist, the target is the database itself or
        its directory does not exist, or the copy fails its integrity check.
    """
    database, target = Path(database), Path(target)
    _check_paths(database, target)
    started = time.monotonic()
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        pages = _copy(database, temporary)
        _check_integrity(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    seconds = time.monotonic() - started
    size = target.stat().st_size
    logger.debug("backed up %s to %s: %d bytes in %.2f s", database, target, size, seconds)
    return BackupResult(target=target, bytes=size, pages=pages, seconds=seconds)


def _check_paths(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    if target.exists() and target.resolve() == database.resolve():
        raise BackupError(f"{target} is the live database itself; choose another file")
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name")


def _copy(database: Path, temporary: Path) -> int:
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    destination = sqlite3.connect(temporary)
    try:
        source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        source.backup(destination)
        # The copy is a standalone file: no WAL beside it, readable by any SQLite tool.
        destination.execute("PRAGMA journal_mode = DELETE")
        return destination.execute("PRAGMA page_count").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"backup of {database} failed: {error}") from error
    finally:
        destination.close()
        source.close()


def _check_integrity(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
