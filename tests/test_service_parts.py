"""The service lock and the JSON log format."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.lock import AlreadyRunning, ServiceLock, lock_path_for, running_service_pid
from scheduler.logformat import JsonFormatter


def test_a_second_lock_on_the_same_database_is_refused_with_the_holders_pid(
    tmp_path: Path,
) -> None:
    database = tmp_path / "data" / "presswatch.db"
    with ServiceLock(database):
        assert lock_path_for(database).read_text() == f"{os.getpid()}\n"
        assert running_service_pid(database) == os.getpid()
        with pytest.raises(AlreadyRunning) as refused:
            ServiceLock(database).acquire()
        assert refused.value.pid == os.getpid()
        assert str(database) in str(refused.value)
        # Another database is another lock.
        with ServiceLock(tmp_path / "other.db"):
            pass
    assert running_service_pid(database) is None
    ServiceLock(database).acquire()  # free again


def test_the_lock_dies_with_a_killed_process(tmp_path: Path) -> None:
    database = tmp_path / "presswatch.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from scheduler.lock import ServiceLock;"
            f"ServiceLock({str(database)!r}).acquire();"
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"):
            ServiceLock(database).acquire()
        holder.kill()
        holder.wait(10)
    finally:
        holder.kill()
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    # The pid is still written in the file, but nothing holds the lock any more.
    assert running_service_pid(database) is None
    with ServiceLock(database) as lock:
        assert lock.held


def test_json_log_lines_carry_time_level_logger_message_extras_and_exceptions() -> None:
    logger = logging.getLogger("presswatch.test")
    record = logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        1,
        "crawl of %s failed",
        ("Ledger\n",),
        None,
        extra={"source": "Ledger", "path": Path("/tmp/x")},
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "presswatch.test"
    assert entry["message"] == "crawl of Ledger\n failed"
    assert (entry["source"], entry["path"]) == ("Ledger", "/tmp/x")
    assert entry["time"].endswith("+00:00")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line  # one record, one line, whatever the message holds
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_run_and_backup_commands_fail_clearly_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scheduler.cli import main
    from tests.service_support import write_config, write_watchlist

    config = write_config(
        tmp_path,
        sources=[{"name": "A", "feeds": ["http://127.0.0.1:9/rss.xml"]}],
        watchlists=[{"name": "Gaza", "query": "gaza"}],
    )
    write_watchlist(
        config, "broken", {"name": "Broken", "query": "gaza", "digest": {"times": ["25:00"]}}
    )
    assert main(["--config", str(config), "run"]) == 2
    error = capsys.readouterr().err
    assert "broken.toml" in error and "25:00" in error
    assert not (tmp_path / "data" / "presswatch.db.lock").exists()  # refused before the lock

    (config / "watchlists" / "broken.toml").unlink()
    assert main(["--config", str(config), "backup", str(tmp_path / "copy.db")]) == 1
    assert "no database at" in capsys.readouterr().err
