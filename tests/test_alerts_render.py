"""Templates, overrides, previews and the snippet highlighting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import alerts
from alerts.compose import Composer
from alerts.content import DigestScope, snippet_parts
from alerts.errors import TemplateProblem
from alerts.render import environment

NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)


def test_preview_renders_without_sending_or_recording(alerts_world):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=2), title="Crossing reopens")
    world.add_article(NOW - timedelta(hours=1), url="javascript:alert(1)", title="Bad link")
    config = world.config({"recipients": ["ana@example.org"]})

    html = alerts.preview(world.db, config, "gaza", now=NOW)

    assert "Crossing reopens</a>" in html
    assert "Bad link</p>" in html and "javascript:" not in html  # shown, but not linked
    assert "<style" not in html and 'style="' in html
    assert world.digests() == [] and not world.outbox.exists()
    with pytest.raises(KeyError):
        alerts.preview(world.db, config, "no such list", now=NOW)


def test_a_templates_folder_overrides_single_templates(alerts_world, tmp_path):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=2), title="Crossing <reopens>")
    folder = tmp_path / "my-templates"
    folder.mkdir()
    (folder / "digest.txt.j2").write_text("CUSTOM {{ story_count }}: {{ stories[0].headline }}\n")
    (folder / "digest.html.j2").write_text("<p>{{ stories[0].headline }}</p>\n")
    config = world.config({"recipients": ["ana@example.org"]}, templates="my-templates")

    alerts.send_due(world.db, config, now=NOW)

    eml = next(world.outbox.glob("*.eml")).read_text()
    assert "CUSTOM 1: Crossing <reopens>" in eml  # text: not escaped
    html = next(world.outbox.glob("*.html")).read_text()
    assert "<p>Crossing &lt;reopens&gt;</p>" in html  # HTML override: still autoescaped


def test_a_template_with_an_unknown_variable_fails_loudly(alerts_world, tmp_path):
    world = alerts_world
    world.add_article(NOW - timedelta(hours=2))
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "digest.txt.j2").write_text("{{ no_such_variable }}\n")
    config = world.config({"recipients": ["ana@example.org"]}, templates=str(folder))

    with pytest.raises(TemplateProblem, match="no_such_variable"):
        scope = DigestScope(config.watchlists[0], "digest", (1,), NOW - timedelta(days=1), NOW)
        Composer(world.db, config).render_scope(scope)
    # Delivery keeps the digest pending for a retry once the template is fixed.
    report = alerts.send_due(world.db, config, now=NOW)
    assert report.sent == [] and len(report.retrying) == 1
    assert "no_such_variable" in world.digests()[0]["last_error"]


def test_packaged_templates_are_autoescaped_only_for_html():
    env = environment(None)
    assert env.get_template("digest.html.j2").environment.autoescape("digest.html.j2")
    assert not env.autoescape("digest.txt.j2")


@pytest.mark.parametrize(
    ("snippet", "highlights", "expected"),
    [
        ("the Gaza truce", [[4, 8]], [("the ", False), ("Gaza", True), (" truce", False)]),
        ("a\r\nb Gaza", [[5, 9]], [("a b ", False), ("Gaza", True)]),
        ("Gaza", "not json", [("Gaza", False)]),
        ("Gaza", [[0, 99], [-1, 2], ["a", 3], [3, 2], True], [("Gaza", False)]),
        ("Gaza Gaza", [[0, 4], [2, 6]], [("Gaza", True), (" Gaza", False)]),  # overlap dropped
        ("", [], []),
        (None, None, []),
    ],
)
def test_snippet_highlights(snippet, highlights, expected):
    encoded = (
        highlights if isinstance(highlights, str) or highlights is None else json.dumps(highlights)
    )
    parts = snippet_parts(snippet, encoded)
    assert [(part["text"], part["hit"]) for part in parts] == expected


def test_long_snippets_are_cut():
    parts = snippet_parts("Gaza " + "word " * 1000, json.dumps([[0, 4]]))
    assert sum(len(part["text"]) for part in parts) <= 600
    assert parts[-1]["text"].endswith("…")
