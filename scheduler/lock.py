"""One service per database: an exclusive ``flock`` on a lock file next to the database.

Two schedulers on one archive would each send every digest (the ledger stops duplicates only for
one sender at a time) and would fight over the write lock, so ``presswatch run`` takes this lock
before it does anything else and refuses to start when another process holds it.

``flock`` rather than a pid file: the kernel drops the lock when the holder dies, even by
``SIGKILL`` or a power cut, so a stale lock never blocks a restart. The holder's pid is written
into the file only to name it in the error message and in ``presswatch status``.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another process holds the service lock of this database."""

    def __init__(self, database: Path, pid: int | None) -> None:
        self.database = database
        self.pid = pid
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"another presswatch service ({holder}) is already running on the database "
            f"{database}; stop it first (lock file {lock_path_for(database)})"
        )


def lock_path_for(database: str | Path) -> Path:
    """The lock file of ``database``: the same name with ``.lock`` appended, in its directory."""
    database = Path(database)
    return database.with_name(database.name + ".lock")


class ServiceLock:
    """The exclusive right to run the service on one database.

    Use as a context manager, or call :meth:`acquire` and :meth:`release`::

        with ServiceLock(config.settings.database):
            run_the_scheduler()

    :raises AlreadyRunning: from :meth:`acquire`, naming the running instance's pid.
    """

    def __init__(self, database: str | Path) -> None:
        self.database = Path(database)
        self.path = lock_path_for(self.database)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # os.open makes the descriptor non-inheritable, so a crawl child started with
        # subprocess cannot keep the lock alive after this process dies.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise AlreadyRunning(self.database, read_lock_holder(self.database)) from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        logger.debug("service lock %s taken by pid %d", self.path, os.getpid())

    def release(self) -> None:
        if self._fd is None:
            return
        # Empty the pid first: a reader must not name a process that no longer holds the lock.
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> ServiceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def read_lock_holder(database: str | Path) -> int | None:
    """The pid written into the lock file by the service that holds (or last held) it.

    This only reads the file; it never takes the lock, so it cannot make a starting service fail.
    """
    try:
        text = lock_path_for(database).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def running_service_pid(database: str | Path) -> int | None:
    """The pid of the service running on ``database``, or None when none appears to run."""
    pid = read_lock_holder(database)
    if pid is None:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, but owned by another user
    return pid
