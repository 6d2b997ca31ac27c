"""Digests sent through smtplib to a real aiosmtpd server, and what the server received."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

import alerts
from alerts import ledger
from tests.smtp_faults import RecordingHandler, greeting_server, smtp_server

EXPECTED_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
]
RECIPIENTS = ["ana@example.org", "ben@example.org", "cleo@example.org"]
NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)  # 07:05 in Berlin: the 07:00 digest is due


def smtp_settings(port: int, timeout: str = "5s") -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "security": "none", "timeout": timeout}


class Links(HTMLParser):
    """Collects hrefs and the text of <mark> elements from an HTML body."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.marks: list[str] = []
        self.tags: Counter[str] = Counter()
        self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        self._in_mark = False

    def handle_data(self, data: str) -> None:
        if self._in_mark:
            self.marks.append(data)


def parse_html(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def port(handler: RecordingHandler):
    with smtp_server(handler) as port:
        yield port


def fill_archive(world) -> dict[str, int]:
    """Eight articles in six stories, one of them syndicated by three outlets."""
    seen = NOW - timedelta(hours=6)
    ids = {
        "wire": world.add_article(
            seen,
            title="Ceasefire holds overnight",
            source="Wire One",
            story_id=1,
            published=seen - timedelta(hours=3),
        ),
        "copy1": world.add_article(
            seen, title="Ceasefire holds overnight (copy)", source="Daily Two", story_id=1
        ),
        "copy2": world.add_article(
            seen, title="Ceasefire holds (copy 2)", source="Times Three", story_id=1
        ),
        "late": world.add_article(
            seen + timedelta(hours=4),
            title="Crossing reopens at dawn",
            source="Daily Two",
            published=seen + timedelta(hours=3),
        ),
        "undated": world.add_article(
            seen + timedelta(hours=1),
            title="Aid convoy waits",
            source="Times Three",
            published=False,
        ),
    }
    for number in range(3):
        ids[f"extra{number}"] = world.add_article(
            seen + timedelta(minutes=number),
            title=f"Talks continue, day {number}",
            source="Wire One",
        )
    return ids


def test_digest_reaches_each_recipient_with_every_article_once(alerts_world, handler, port):
    world = alerts_world
    ids = fill_archive(world)
    world.add_run("Wire One", "failed", NOW - timedelta(hours=3), message="HTTP 503\r\nretry")
    world.add_run("Daily Two", "ok", NOW - timedelta(hours=2), new=4, skipped=7)
    world.add_run("Times Three", "ok", NOW - timedelta(hours=30), new=2)  # nothing new since
    world.add_run("Times Three", "ok", NOW - timedelta(hours=1))
    config = world.config(
        {"recipients": RECIPIENTS, "digest": {"times": ["07:00"]}},
        smtp=smtp_settings(port),
        browse_url="https://archive.example.org/lists/gaza",
        sources=["Wire One", "Daily Two", "Times Three"],
    )

    report = alerts.send_due(world.db, config, now=NOW)

    assert len(report.sent) == 3 and report.ok
    assert handler.connections == 1  # one SMTP session for the whole batch
    assert sorted(item.rcpt_tos[0] for item in handler.received) == RECIPIENTS
    rows = {row["recipient"]: row for row in world.digests()}
    for item in handler.received:
        message = item.message
        recipient = item.rcpt_tos[0]
        assert item.rcpt_tos == [recipient]
        assert item.mail_from == "alerts@example.org"
        assert list(message.keys()) == EXPECTED_HEADERS
        assert message["To"] == recipient
        assert message["From"] == "presswatch <alerts@example.org>"
        assert message["Subject"] == "Gaza (6 stories): Crossing reopens at dawn"
        row = rows[recipient]
        assert row["status"] == "sent" and row["period"] == "2026-11-25T07:00"
        target = ledger.Target("Gaza", recipient, "email")
        assert row["id"] == ledger.digest_id(target, "digest", "2026-11-25T07:00")
        assert message["Message-ID"] == f"<{row['id']}@example.org>"
        assert message["Date"].datetime == NOW
        assert message["List-Unsubscribe"] == (
            "<mailto:alerts@example.org?subject=unsubscribe%20Gaza>"
        )
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == [
            "text/plain",
            "text/html",
        ]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        links = parse_html(html)

        # Every article is there once: a story's lead by its link, its copies by theirs.
        article_links = [href for href in links.hrefs if href.startswith("https://news.")]
        assert Counter(article_links) == Counter(
            f"https://news.example/{article}" for article in ids.values()
        )
        # Newest first; the syndicated story is led by the earliest publisher.
        assert article_links[0] == f"https://news.example/{ids['late']}"
        assert html.count("Ceasefire holds overnight<") == 1
        assert "(copy)" not in html and "(copy)" not in text
        assert re.search(
            r"Also reported by\s*<a [^>]*>Daily Two</a>, <a [^>]*>Times Three</a>", html
        )
        assert "Also reported by Daily Two, Times Three" in text
        assert links.marks.count("Gaza") == 6 and links.marks.count("ceasefire") == 6
        assert text.count("*Gaza* *ceasefire*") == 6
        assert "(first seen)" in text  # the undated article shows when it was found
        assert "Wed 25 Nov 2026, 07:05 CET" in text  # times in the list's timezone
        # The footer: failed and quiet sources, skipped pages, and the archive link.
        assert "Wire One: 1 failed crawl (last: failed, HTTP 503 retry)" in text
        assert "Times Three went quiet: nothing new since Tue 24 Nov 2026, 01:05 CET." in text
        assert "7 pages skipped." in text
        assert "See all 6 stories in the archive: <https://archive.example.org/lists/gaza>" in text
        assert links.hrefs[-2:] == [
            "https://archive.example.org/lists/gaza",
            "mailto:alerts@example.org?subject=unsubscribe%20Gaza",
        ]
        # CSS is inlined: no <style> block, no external asset, one column.
        assert links.tags["style"] == 0 and links.tags["link"] == 0
        assert "src=" not in html
        assert 'style="' in html
    # Nothing more is due in the same slot: a second run sends nothing.
    assert alerts.send_due(world.db, config, now=NOW + timedelta(minutes=30)).sent == []
    assert len(handler.received) == 3


def test_unsubscribe_address_from_the_configuration(alerts_world, handler, port):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1), watchlist="Rafah crossing")
    config = world.config(
        {"name": "Rafah crossing", "recipients": RECIPIENTS[:1]},
        smtp=smtp_settings(port),
        unsubscribe="mailto:leave@example.org",
    )
    alerts.send_due(world.db, config, now=NOW)
    (item,) = handler.received
    # Folded onto a continuation line (it is longer than 78 characters): legal, and unfolded here.
    assert item.message["List-Unsubscribe"].strip() == (
        "<mailto:leave@example.org?subject=unsubscribe%20Rafah%20crossing>"
    )


def test_a_refused_recipient_fails_alone(alerts_world, handler, port, caplog):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    handler.refuse["ben@example.org"] = "550 5.1.1 no such user"
    config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(port))

    with caplog.at_level(logging.ERROR, logger="alerts"):
        report = alerts.send_due(world.db, config, now=NOW)

    assert sorted(item.rcpt_tos[0] for item in handler.received) == [
        "ana@example.org",
        "cleo@example.org",
    ]
    status = {row["recipient"]: (row["status"], row["last_error"]) for row in world.digests()}
    assert status["ben@example.org"][0] == "failed"
    assert "550" in status["ben@example.org"][1]
    assert status["ana@example.org"] == ("sent", None)
    assert len(report.failed) == 1 and len(report.sent) == 2
    assert "550" in caplog.text
    # A permanent failure is not retried: later runs send nothing more.
    handler.refuse.clear()
    assert alerts.deliver_pending(world.db, config, now=NOW + timedelta(hours=3)).sent == []
    assert len(handler.received) == 2


@pytest.mark.parametrize(
    ("fault", "value"),
    [("refuse", {"ben@example.org": "451 4.7.1 greylisted"}), ("data_reply", "451 4.3.0 busy")],
    ids=["451-rcpt", "451-data"],
)
def test_4xx_is_retried_with_backoff(alerts_world, handler, port, fault, value):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    setattr(handler, fault, value)
    config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(port))

    report = alerts.send_due(world.db, config, now=NOW)
    deferred = [row for row in world.digests() if row["status"] == "pending"]
    assert len(report.retrying) == len(deferred) >= 1
    for row in deferred:
        assert row["attempts"] == 1 and "451" in row["last_error"]
        assert row["next_attempt_at"] == "2026-11-25T06:06:00+00:00"  # 1 minute later

    # Not before the next attempt is due; then it goes through once the server accepts.
    assert alerts.deliver_pending(world.db, config, now=NOW + timedelta(seconds=30)).sent == []
    setattr(handler, fault, {} if fault == "refuse" else None)
    later = alerts.deliver_pending(world.db, config, now=NOW + timedelta(minutes=1))
    assert sorted(later.sent) == sorted(row["id"] for row in deferred)
    assert Counter(handler.message_ids()) == Counter(row["message_id"] for row in world.digests())
    assert {row["status"] for row in world.digests()} == {"sent"}


def test_554_on_data_fails_every_message_for_good(alerts_world, handler, port):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    handler.data_reply = "554 5.6.0 message refused"
    config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(port))
    report = alerts.send_due(world.db, config, now=NOW)
    assert len(report.failed) == 3 and handler.received == []
    assert {row["status"] for row in world.digests()} == {"failed"}


def test_421_at_connect_defers_the_whole_batch(alerts_world):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    with greeting_server() as (port, server):
        config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(port))
        report = alerts.send_due(world.db, config, now=NOW)
    assert server.connections == 1  # the batch gives up on the channel, not once per message
    assert len(report.retrying) == 3 and report.sent == []
    for row in world.digests():
        assert row["status"] == "pending" and row["attempts"] == 1
        assert row["last_error"].startswith("SMTP 127.0.0.1")
        assert "421" in row["last_error"]

    handler = RecordingHandler()
    with smtp_server(handler) as good_port:
        config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(good_port))
        report = alerts.deliver_pending(world.db, config, now=NOW + timedelta(minutes=1))
    assert len(report.sent) == 3 and len(handler.received) == 3


def test_refused_connection_is_transient(alerts_world):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    with smtp_server(RecordingHandler()) as port:
        pass  # the port is free again: connections are refused
    config = world.config({"recipients": RECIPIENTS[:1]}, smtp=smtp_settings(port))
    report = alerts.send_due(world.db, config, now=NOW)
    (row,) = world.digests()
    assert report.retrying == [row["id"]]
    assert "ConnectionRefusedError" in row["last_error"]


def test_link_dropped_after_data_is_resent_with_the_same_message_id(alerts_world, handler, port):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    handler.drop_after_data = True
    config = world.config({"recipients": RECIPIENTS[:2]}, smtp=smtp_settings(port))

    report = alerts.send_due(world.db, config, now=NOW)

    # The server kept the first message but the client never saw a 250 (RFC 1047).
    assert report.sent == [] and len(report.retrying) == 2
    assert len(handler.received) == 1
    handler.drop_after_data = False
    later = alerts.deliver_pending(world.db, config, now=NOW + timedelta(minutes=1))
    assert len(later.sent) == 2
    counts = Counter(handler.message_ids())
    assert set(counts) == {row["message_id"] for row in world.digests()}
    assert sorted(counts.values()) == [1, 2]  # one duplicate, carrying the same Message-ID


def test_a_stalled_server_times_out_and_is_retried(alerts_world, handler, port):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    handler.stall_seconds = 3
    config = world.config({"recipients": RECIPIENTS}, smtp=smtp_settings(port, timeout="0.5s"))

    report = alerts.send_due(world.db, config, now=NOW)

    assert report.sent == [] and len(report.retrying) == 3
    assert handler.received == []
    assert all("timed out" in row["last_error"] for row in world.digests())


def test_retries_back_off_then_give_up_after_48_hours(alerts_world, caplog):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    with smtp_server(RecordingHandler()) as port:
        pass  # nothing listens on this port any more
    config = world.config({"recipients": RECIPIENTS[:1]}, smtp=smtp_settings(port))
    alerts.send_due(world.db, config, now=NOW)

    waits = []
    clock = NOW
    with caplog.at_level(logging.ERROR, logger="alerts"):
        while (row := world.digests()[0])["status"] == "pending":
            next_attempt = datetime.fromisoformat(row["next_attempt_at"])
            waits.append(next_attempt - clock)
            clock = next_attempt
            alerts.deliver_pending(world.db, config, now=clock)

    assert waits[:5] == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60)]
    assert set(waits[4:]) == {timedelta(hours=1)}
    assert row["status"] == "failed" and row["last_error"].startswith("gave up after 2 days")
    assert clock - NOW >= timedelta(hours=48)
    assert clock - NOW < timedelta(hours=49)
    assert "gave up on digest" in caplog.text


def test_empty_digest_is_not_sent_unless_asked(alerts_world, handler, port):
    world = alerts_world
    quiet = world.config({"recipients": RECIPIENTS[:1]}, smtp=smtp_settings(port))
    report = alerts.send_due(world.db, quiet, now=NOW)
    assert report.sent == [] and len(report.empty) == 1
    assert world.digests()[0]["status"] == "skipped"

    chatty = world.config(
        {"recipients": RECIPIENTS[:1], "digest": {"send_empty": True}}, smtp=smtp_settings(port)
    )
    report = alerts.send_due(world.db, chatty, now=NOW + timedelta(days=1))
    (item,) = handler.received
    assert item.message["Subject"] == "Gaza: no new stories"
    assert (
        "No new stories matched this watch list." in item.message.get_body(("plain",)).get_content()
    )


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by nobody any client trusts; (cert, key) paths."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted-cert", "trusted-cert"])
def test_starttls_verifies_the_certificate_before_logging_in(
    alerts_world, tmp_path, monkeypatch, trusted
):
    import ssl

    from aiosmtpd.smtp import AuthResult

    world = alerts_world
    world.add_article(NOW - timedelta(hours=1))
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[str, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password))
        return AuthResult(success=True)

    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # what create_default_context() trusts
    handler = RecordingHandler()
    with smtp_server(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    ) as port:
        smtp = {
            **smtp_settings(port),
            "security": "starttls",
            "username": "presswatch",
            "password": "hunter2",
        }
        config = world.config({"recipients": RECIPIENTS[:1]}, smtp=smtp)
        report = alerts.send_due(world.db, config, now=NOW)

    (row,) = world.digests()
    if trusted:
        assert report.sent == [row["id"]] and len(handler.received) == 1
        assert logins == [("presswatch", b"hunter2")]
    else:
        assert report.retrying == [row["id"]] and handler.received == []
        assert "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
        assert logins == []  # the password never left the client
