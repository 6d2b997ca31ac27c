"""The ledger: one digest per slot, catch-up, clock jumps, instant alerts and the outbox."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import alerts
from alerts import ledger
from alerts.prepare import prepare_due, prepare_instant

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def claimed_articles(world, **where) -> Counter[int]:
    """How many digests hold each article, for the digests matching ``where``."""
    counts: Counter[int] = Counter()
    for row in world.digests(**where):
        counts.update(world.articles_of(row["id"]))
    return counts


def outbox_messages(world) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(world.outbox.glob("*.eml"))
    ]


def test_hourly_wakeups_across_spring_forward_give_one_digest_per_day(alerts_world):
    """02:30 Berlin, which does not exist on 30 March 2025, over five weeks of hourly wake-ups."""
    world = alerts_world
    config = world.config(
        {"recipients": ["ana@example.org"], "digest": {"times": ["02:30"], "send_empty": True}}
    )
    clock = utc(2025, 3, 15, 0, 10)
    article_ids = []
    while clock < utc(2025, 4, 20):
        if clock.hour % 5 == 0:
            article_ids.append(world.add_article(clock - timedelta(minutes=5)))
        alerts.send_due(world.db, config, now=clock)
        clock += timedelta(hours=1)

    rows = world.digests()
    periods = [row["period"] for row in rows]
    assert len(periods) == len(set(periods)) == 37  # 14 March (the first run) .. 19 April
    assert Counter(period[:10] for period in periods).most_common(1)[0][1] == 1
    assert {row["kind"] for row in rows} == {"digest"} and {row["status"] for row in rows} == {
        "sent"
    }
    spring = next(row for row in rows if row["period"] == "2025-03-30T02:30")
    assert spring["created_at"] == "2025-03-30T01:10:00+00:00"  # first wake-up after 03:00 CEST
    # Every article matched before the last digest is in exactly one digest.
    last_digest = max(row["created_at"] for row in rows)
    expected = [
        article
        for article in article_ids
        if world.db["articles"].get(article)["first_seen_at"] <= last_digest
    ]
    assert claimed_articles(world) == Counter(expected)
    assert len(list(world.outbox.glob("*.eml"))) == 37


def test_three_day_outage_sends_one_catch_up_then_carries_on(alerts_world):
    world = alerts_world
    config = world.config({"recipients": ["ana@example.org", "ben@example.org"]})
    before = world.add_article(utc(2026, 3, 9, 20))
    alerts.send_due(world.db, config, now=utc(2026, 3, 10, 6, 1))  # 07:01 Berlin
    during = [world.add_article(utc(2026, 3, 10, 12) + timedelta(hours=9 * n)) for n in range(8)]

    # Down from 10 March 08:00 until 13 March 09:00: the slots of 11, 12 and 13 March passed.
    report = alerts.send_due(world.db, config, now=utc(2026, 3, 13, 8, 0))

    catch_ups = world.digests(kind="catch-up")
    assert len(catch_ups) == 2 == len(report.sent)  # one per recipient, not one per day
    assert {row["period"] for row in catch_ups} == {"2026-03-13T07:00"}
    for row in catch_ups:
        assert world.articles_of(row["id"]) == during
    message = next(item for item in outbox_messages(world) if "catch-up" in str(item["Subject"]))
    assert message["Subject"] == "Gaza (catch-up, 8 stories): Headline number 9"
    assert "Catch-up digest" in message.get_body(("plain",)).get_content()

    after = world.add_article(utc(2026, 3, 13, 20))
    alerts.send_due(world.db, config, now=utc(2026, 3, 14, 6, 0))
    regular = world.digests(period="2026-03-14T07:00")
    assert [row["kind"] for row in regular] == ["digest", "digest"]
    assert claimed_articles(world) == Counter({before: 2, after: 2, **dict.fromkeys(during, 2)})


def test_clock_jumps_neither_duplicate_nor_skip(alerts_world):
    world = alerts_world
    config = world.config({"recipients": ["ana@example.org"]})
    moments = [
        utc(2026, 6, 1, 5, 5),  # 07:05 Berlin: the 1 June digest
        utc(2026, 6, 1, 4, 5),  # clock jumps back an hour: 06:05
        utc(2026, 6, 1, 5, 10),  # and forward again
        utc(2026, 6, 2, 4, 30),  # 06:30 on 2 June ...
        utc(2026, 6, 2, 5, 30),  # ... jumps forward an hour: the 2 June digest is due
        utc(2026, 6, 2, 4, 40),  # the clock is corrected back: nothing new
        utc(2026, 6, 2, 5, 5),
        utc(2026, 6, 3, 5, 1),  # the 3 June digest, on time
    ]
    for number, moment in enumerate(moments):
        world.add_article(moment - timedelta(minutes=30 + number))
        alerts.send_due(world.db, config, now=moment)
    periods = [row["period"] for row in world.digests()]
    assert periods == ["2026-06-01T07:00", "2026-06-02T07:00", "2026-06-03T07:00"]
    counts = claimed_articles(world)
    assert set(counts.values()) == {1}
    # Articles first seen after a clock correction are still sent, in the next digest.
    assert len(counts) == len(moments)


def test_preparing_twice_is_idempotent(alerts_world):
    world = alerts_world
    config = world.config({"recipients": ["ana@example.org", "ben@example.org"]})
    world.add_article(utc(2026, 6, 1, 3))
    now = utc(2026, 6, 1, 5, 5)
    first = prepare_due(world.db, config, now=now)
    second = prepare_due(world.db, config, now=now + timedelta(minutes=1))
    assert len(first.pending) == 2 and second.pending == [] and second.empty == []
    assert len(world.digests()) == 2


def test_instant_alerts_are_not_repeated_in_the_digest(alerts_world):
    world = alerts_world
    config = world.config({"recipients": ["ana@example.org"], "instant": True})
    early = world.add_article(utc(2026, 6, 1, 1))
    report = alerts.send_instant(world.db, config, now=utc(2026, 6, 1, 1, 2))
    assert len(report.sent) == 1
    (alert,) = world.digests(kind="instant")
    assert world.articles_of(alert["id"]) == [early]
    assert alerts.send_instant(world.db, config, now=utc(2026, 6, 1, 1, 3)).prepared == []

    late = world.add_article(utc(2026, 6, 1, 4))  # matched after the last crawl's alert
    alerts.send_due(world.db, config, now=utc(2026, 6, 1, 5, 5))
    (digest,) = world.digests(kind="digest")
    assert world.articles_of(digest["id"]) == [late]
    # And what the digest carried is not sent instantly afterwards.
    assert alerts.send_instant(world.db, config, now=utc(2026, 6, 1, 5, 6)).prepared == []
    subjects = sorted(str(message["Subject"]) for message in outbox_messages(world))
    assert subjects == ["Gaza (1 story): Headline number 2", "Gaza alert: Headline number 1"]


def test_instant_and_digest_sends_both(alerts_world):
    world = alerts_world
    config = world.config(
        {"recipients": ["ana@example.org"], "instant": True, "instant_and_digest": True}
    )
    article = world.add_article(utc(2026, 6, 1, 1))
    alerts.send_instant(world.db, config, now=utc(2026, 6, 1, 1, 2))
    alerts.send_due(world.db, config, now=utc(2026, 6, 1, 5, 5))
    assert claimed_articles(world, kind="instant") == Counter({article: 1})
    assert claimed_articles(world, kind="digest") == Counter({article: 1})


def test_two_instant_alerts_in_the_same_second_have_distinct_ids(alerts_world):
    world = alerts_world
    config = world.config({"recipients": ["ana@example.org"], "instant": True})
    now = utc(2026, 6, 1, 1, 2)
    world.add_article(utc(2026, 6, 1, 1))
    first = prepare_instant(world.db, config, now=now)
    world.add_article(utc(2026, 6, 1, 1))
    second = prepare_instant(world.db, config, now=now)
    assert len(first.pending) == len(second.pending) == 1
    assert first.pending != second.pending


def test_a_new_recipient_gets_the_last_day_only(alerts_world):
    world = alerts_world
    world.add_article(utc(2026, 5, 30, 12))  # two days before the first digest
    recent = world.add_article(utc(2026, 5, 31, 12))
    config = world.config({"recipients": ["ana@example.org"]})
    alerts.send_due(world.db, config, now=utc(2026, 6, 1, 5, 5))
    (row,) = world.digests()
    assert world.articles_of(row["id"]) == [recent]
    # The older article never turns up later either.
    alerts.send_due(world.db, config, now=utc(2026, 6, 2, 5, 5))
    assert claimed_articles(world) == Counter({recent: 1})


def test_restricting_to_one_watch_list(alerts_world):
    world = alerts_world
    world.add_article(utc(2026, 6, 1, 3))
    world.add_article(utc(2026, 6, 1, 3), watchlist="Rafah")
    config = world.config(
        {"recipients": ["ana@example.org"]},
        {"name": "Rafah", "recipients": ["ana@example.org"]},
    )
    report = alerts.send_due(world.db, config, now=utc(2026, 6, 1, 5, 5), watchlists=["rafah"])
    assert [row["watchlist"] for row in world.digests()] == ["Rafah"]
    assert len(report.sent) == 1


def test_outbox_files_are_complete_and_rewritten_on_resend(alerts_world):
    world = alerts_world
    world.add_article(utc(2026, 6, 1, 3))
    config = world.config({"recipients": ["ana@example.org"]})
    alerts.send_due(world.db, config, now=utc(2026, 6, 1, 5, 5))
    (row,) = world.digests()
    assert sorted(path.name for path in world.outbox.iterdir()) == [
        f"{row['id']}.eml",
        f"{row['id']}.html",
    ]
    (message,) = outbox_messages(world)
    assert message["Message-ID"] == row["message_id"]
    html = (world.outbox / f"{row['id']}.html").read_text()
    assert html.splitlines() == message.get_body(("html",)).get_content().splitlines()

    # Re-sending (as after a crash before the commit) replaces the file, it adds no copy.
    world.db.execute("UPDATE digests SET status = 'pending' WHERE id = ?", [row["id"]])
    alerts.deliver_pending(world.db, config, now=utc(2026, 6, 1, 6))
    assert len(list(world.outbox.iterdir())) == 2


def test_removed_recipient_is_not_mailed(alerts_world):
    world = alerts_world
    world.add_article(utc(2026, 6, 1, 3))
    config = world.config({"recipients": ["ana@example.org", "ben@example.org"]})
    prepare_due(world.db, config, now=utc(2026, 6, 1, 5, 5))
    fewer = world.config({"recipients": ["ana@example.org"]})
    report = alerts.deliver_pending(world.db, fewer, now=utc(2026, 6, 1, 5, 6))
    status = {row["recipient"]: row["status"] for row in world.digests()}
    assert status == {"ana@example.org": "sent", "ben@example.org": "failed"}
    assert len(report.failed) == 1


def test_message_id_is_derived_from_the_digest():
    target = ledger.Target("Gaza", "ana@example.org", "email")
    digest = ledger.digest_id(target, "digest", "2026-06-01T07:00")
    assert digest == ledger.digest_id(target, "digest", "2026-06-01T07:00")
    assert digest != ledger.digest_id(target, "digest", "2026-06-02T07:00")
    assert digest != ledger.digest_id(target, "instant", "2026-06-01T07:00")
    assert ledger.message_id_for(digest, "pw <alerts@example.org>") == (f"<{digest}@example.org>")
