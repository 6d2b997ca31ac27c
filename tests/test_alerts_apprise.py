"""Apprise channels: a compact digest to ``json://`` URLs served by a real local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import alerts
from alerts.channels.apprise import channel_name

# apprise 2.x imports the stdlib's deprecated imghdr module when it loads its plugins.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
SECRET = "s3cret-token-4711"


class Hook(ThreadingHTTPServer):
    """Records JSON posts; answers ``status`` (200 by default)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.posts: list[dict[str, object]] = []
        self.paths: list[str] = []
        self.status = 200


class _HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append(json.loads(body))
        self.server.paths.append(self.path)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_digest_and_alert_reach_an_apprise_url(alerts_world, hook, caplog):
    world = alerts_world
    url = f"json://presswatch:{SECRET}@127.0.0.1:{hook.server_address[1]}/hook"
    world.add_article(NOW - timedelta(hours=2), title="Crossing reopens", source="Daily Two")
    config = world.config(
        {
            "recipients": ["ana@example.org"],
            "apprise": [url],
            "instant": True,
            "instant_and_digest": True,
        },
        browse_url="https://archive.example.org/gaza",
    )

    with caplog.at_level(logging.DEBUG):
        instant = alerts.send_instant(world.db, config, now=NOW - timedelta(hours=1))
        digest = alerts.send_due(world.db, config, now=NOW)

    assert len(instant.sent) == 2 and len(digest.sent) == 2  # e-mail and apprise, each time
    name = channel_name(url)
    assert name.startswith("apprise:json-") and SECRET not in name
    rows = world.digests(channel=name)
    assert [(row["kind"], row["recipient"], row["status"]) for row in rows] == [
        ("instant", name, "sent"),
        ("digest", name, "sent"),
    ]
    assert hook.paths == ["/hook", "/hook"]
    alert, scheduled = hook.posts
    assert alert["title"] == "Gaza alert: Crossing reopens"
    assert scheduled["title"] == "Gaza (1 story): Crossing reopens"
    assert scheduled["message"].startswith("- Crossing reopens (Daily Two, Wed 25 Nov 2026")
    assert "  https://news.example/1" in scheduled["message"]
    assert "All 1: https://archive.example.org/gaza" in scheduled["message"]
    # The secret URL never reaches the ledger or presswatch's own log records.
    stored = json.dumps(list(world.db.query("SELECT * FROM digests")))
    assert SECRET not in stored
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("alerts")]
    assert ours and not [line for line in ours if SECRET in line]


def test_a_failing_apprise_service_is_retried_without_holding_back_email(alerts_world, hook):
    world = alerts_world
    url = f"json://127.0.0.1:{hook.server_address[1]}/hook"
    world.add_article(NOW - timedelta(hours=2))
    config = world.config({"recipients": ["ana@example.org"], "apprise": [url]})
    hook.status = 500

    report = alerts.send_due(world.db, config, now=NOW)

    status = {row["channel"]: row["status"] for row in world.digests()}
    assert status == {"email": "sent", channel_name(url): "pending"}
    assert len(report.sent) == 1 and len(report.retrying) == 1
    hook.status = 200
    later = alerts.deliver_pending(world.db, config, now=NOW + timedelta(minutes=1))
    assert len(later.sent) == 1 and len(hook.posts) == 2  # the failed post, then the retry


def test_channel_names_are_stable_and_distinct():
    first = channel_name("ntfy://token-a@ntfy.example/topic")
    assert first == channel_name("ntfy://token-a@ntfy.example/topic")
    assert first != channel_name("ntfy://token-b@ntfy.example/topic")
    assert "token-a" not in first and first.startswith("apprise:ntfy-")
