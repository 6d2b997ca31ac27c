"""A sender killed with SIGKILL mid-send, then restarted: nothing lost, no silent duplicate.

A child process delivers the ledger's pending digests to an aiosmtpd server whose DATA handler
blocks until the test has killed the child. Two windows are tested:

- killed before the server accepted the message: it arrives exactly once, after the restart;
- killed after the server accepted it (before the client could commit "sent", RFC 1047): it
  arrives at most twice, both copies with the same Message-ID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import alerts
from alerts.prepare import prepare_due
from config.loader import Config
from config.schema import Settings, WatchList
from tests.smtp_faults import RecordingHandler, smtp_server

NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
RECIPIENTS = ["ana@example.org", "ben@example.org", "cleo@example.org"]
REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys
from datetime import datetime
from pathlib import Path
from config.loader import Config
from config.schema import Settings, WatchList
from crawler.store import open_database
import alerts

spec = json.loads(sys.argv[1])
config = Config(
    Path(spec["directory"]),
    Settings.model_validate(spec["settings"]),
    (),
    tuple(WatchList.model_validate(table) for table in spec["watchlists"]),
)
db = open_database(spec["database"])
alerts.deliver_pending(db, config, now=datetime.fromisoformat(spec["now"]))
"""


def configuration(world, port: int) -> tuple[Config, dict[str, object]]:
    """The Config for this test and the raw tables the child builds the same Config from."""
    tables = {
        "directory": str(world.folder),
        "settings": {
            "timezone": "Europe/Berlin",
            "mail": {
                "from": "presswatch <alerts@example.org>",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": "10s"},
            },
        },
        "watchlists": [{"name": "Gaza", "query": "gaza", "recipients": RECIPIENTS}],
    }
    config = Config(
        world.folder,
        Settings.model_validate(tables["settings"]),
        (),
        tuple(WatchList.model_validate(table) for table in tables["watchlists"]),
    )
    return config, tables


def start_child(world, tables: dict[str, object]) -> subprocess.Popen[bytes]:
    spec = {**tables, "database": str(world.folder / "presswatch.db"), "now": NOW.isoformat()}
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_data(handler: RecordingHandler, child: subprocess.Popen[bytes]) -> None:
    """Until the child is inside DATA; fail at once if it died for another reason."""
    for _ in range(300):
        if handler.data_started.wait(timeout=0.1):
            return
        if child.poll() is not None:
            pytest.fail(f"the sending child exited early: {child.stderr.read().decode()}")
    pytest.fail("the sending child never reached DATA")


@pytest.mark.parametrize("accepted_before_kill", [False, True], ids=["before-250", "after-250"])
def test_sigkill_during_send_then_restart(alerts_world, accepted_before_kill):
    world = alerts_world
    for hour in range(5):
        world.add_article(NOW - timedelta(hours=hour + 1))
    release = threading.Event()
    handler = RecordingHandler(hold_data=release, record_before_hold=accepted_before_kill)
    with smtp_server(handler) as port:
        config, tables = configuration(world, port)
        prepare_due(world.db, config, now=NOW)  # the ledger holds three pending digests
        with start_child(world, tables) as child:  # closes its pipes and reaps it
            try:
                wait_for_data(handler, child)
                child.send_signal(signal.SIGKILL)
                assert child.wait(timeout=10) == -signal.SIGKILL
            finally:
                if child.poll() is None:
                    child.kill()
                release.set()

        rows = world.digests()
        assert [row["status"] for row in rows] == ["pending"] * 3  # nothing was marked sent
        assert {row["attempts"] for row in rows} == {1}  # the child recorded its attempt

        # Restart: the next delivery run, once the retry time recorded by the child has come.
        handler.hold_data = None
        report = alerts.deliver_pending(world.db, config, now=NOW + timedelta(minutes=1))

    assert len(report.sent) == 3
    rows = world.digests()
    assert {row["status"] for row in rows} == {"sent"}
    counts = Counter(handler.message_ids())
    assert set(counts) == {row["message_id"] for row in rows}  # every digest arrived
    expected = [1, 1, 2] if accepted_before_kill else [1, 1, 1]
    assert sorted(counts.values()) == expected
    assert world.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert world.db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Every article is in exactly one digest per recipient.
    per_recipient = Counter(
        (row["recipient"], article) for row in rows for article in world.articles_of(row["id"])
    )
    assert set(per_recipient.values()) == {1} and len(per_recipient) == 3 * 5
