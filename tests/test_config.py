"""`presswatch check`: the shipped configuration passes, and each kind of mistake is one clear line.

Every bad case runs the real command in a subprocess and checks the exit status (2), that the
message names the file and the key, says what is wrong, and that no traceback is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from config import ConfigError, load_config, parse_duration

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "config"


def run_check(config_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "--config", str(config_dir), "check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_shipped_config_is_accepted_and_summarised() -> None:
    result = run_check(SHIPPED)
    assert result.returncode == 0, result.stderr
    assert "10 sources:" in result.stdout
    assert "Gaza ceasefire" in result.stdout and "Rafah crossing" in result.stdout
    assert "desk@example.org" in result.stdout
    assert "07:00 Asia/Gaza; next 20" in result.stdout
    assert "digests go to data/outbox/" in result.stdout
    assert result.stdout.rstrip().endswith("configuration ok")


def test_shipped_config_loads_the_documented_values() -> None:
    config = load_config(SHIPPED)
    assert config.settings.database == Path("data/presswatch.db")
    assert config.settings.crawl.allow_private_addresses is False
    assert config.settings.mail.smtp is None
    assert any(source.language == "ar" for source in config.sources)
    rafah = config.watchlist("Rafah crossing")
    assert rafah.digest.times == [time(7, 0), time(18, 0)]
    assert config.digest_timezone(rafah) == "Africa/Cairo"
    assert config.source("BBC News Middle East").domains == ["feeds.bbci.co.uk"]


# (file to edit, old text, new text, substrings the one-line message must contain)
BAD_CASES = {
    "toml syntax": (
        "sources.toml",
        'interval = "15m"',
        'interval = "15m',
        ["sources.toml", "TOML syntax error", "line"],
    ),
    "unknown key with suggestion": (
        "presswatch.toml",
        "obey_robots = true",
        "obey_robot = true",
        ["presswatch.toml", "crawl.obey_robot", "unknown key", "did you mean 'obey_robots'"],
    ),
    "unknown key in a watch list": (
        "watchlists/gaza-ceasefire.toml",
        "recipients =",
        "recipient =",
        ["gaza-ceasefire.toml", "recipient", "did you mean 'recipients'"],
    ),
    "wrong type": (
        "presswatch.toml",
        "concurrency = 8",
        'concurrency = "eight"',
        ["presswatch.toml", "crawl.concurrency", "integer"],
    ),
    "invalid time": (
        "watchlists/gaza-ceasefire.toml",
        'times = ["07:00"]',
        'times = ["7 am"]',
        ["gaza-ceasefire.toml", "digest.times[0]", "invalid time", "HH:MM"],
    ),
    "invalid timezone": (
        "watchlists/gaza-ceasefire.toml",
        'timezone = "Asia/Gaza"',
        'timezone = "Mars/Olympus"',
        ["gaza-ceasefire.toml", "digest.timezone", "unknown timezone 'Mars/Olympus'"],
    ),
    "invalid url scheme": (
        "sources.toml",
        '"https://www.aljazeera.com/xml/rss/all.xml"',
        '"file:///etc/passwd"',
        ["sources.toml", "source[0].feeds[0]", "only http and https"],
    ),
    "url without host": (
        "sources.toml",
        '"https://www.aljazeera.com/xml/rss/all.xml"',
        '"https:///rss.xml"',
        ["sources.toml", "source[0].feeds[0]", "no host"],
    ),
    "invalid email": (
        "watchlists/gaza-ceasefire.toml",
        '"desk@example.org"',
        '"desk at example"',
        ["gaza-ceasefire.toml", "recipients[0]", "invalid e-mail address 'desk at example'"],
    ),
    "duplicate source": (
        "sources.toml",
        'name = "BBC News Arabic"',
        'name = "bbc news middle east"',
        ["sources.toml", "source[2].name", "duplicate source name"],
    ),
    "duplicate watch list": (
        "watchlists/rafah-crossing.toml",
        'name = "Rafah crossing"',
        'name = "Gaza Ceasefire"',
        ["rafah-crossing.toml", "name", "duplicate watch list name"],
    ),
    "unparsable query": (
        "watchlists/rafah-crossing.toml",
        """query = '"Rafah crossing" OR""",
        """query = '("Rafah crossing" OR""",
        ["rafah-crossing.toml", "query", "invalid query", "^"],
    ),
    "invalid duration": (
        "sources.toml",
        'interval = "15m"',
        'interval = "soon"',
        ["sources.toml", "source[0].interval", "invalid duration 'soon'"],
    ),
    "source without entry point": (
        "sources.toml",
        'feeds = ["https://www.aljazeera.com/xml/rss/all.xml"]',
        "",
        ["sources.toml", "source[0]", "at least one of feeds, sitemaps or start_urls"],
    ),
    "watch list names unknown source": (
        "watchlists/gaza-ceasefire.toml",
        "# sources = [",
        'sources = ["BBC News Middel East"]\n#',
        ["gaza-ceasefire.toml", "sources", "unknown source", "did you mean 'BBC News Middle East'"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_config_is_one_clear_message(config_copy: Path, case: str) -> None:
    file, old, new, expected = BAD_CASES[case]
    edit(config_copy / file, old, new)
    result = run_check(config_copy)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("presswatch: configuration error: ")
    for fragment in expected:
        assert fragment in result.stderr, f"{fragment!r} missing from {result.stderr!r}"


def test_missing_environment_variable(config_copy: Path) -> None:
    settings = config_copy / "presswatch.toml"
    settings.write_text(
        settings.read_text()
        + '\n[mail.smtp]\nhost = "smtp.example.org"\npassword = "${PW_TEST_UNSET}"\n'
    )
    result = run_check(config_copy, env={"PW_TEST_UNSET": ""})
    assert result.returncode == 0, result.stderr  # set (even empty) is fine
    environment = {k: v for k, v in os.environ.items() if k != "PW_TEST_UNSET"}
    result = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "--config", str(config_copy), "check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 2
    assert "presswatch.toml: mail.smtp.password: environment variable PW_TEST_UNSET is not set" in (
        result.stderr
    )


def test_literal_password_is_refused(config_copy: Path) -> None:
    settings = config_copy / "presswatch.toml"
    settings.write_text(
        settings.read_text() + '\n[mail.smtp]\nhost = "smtp.example.org"\npassword = "hunter2"\n'
    )
    result = run_check(config_copy)
    assert result.returncode == 2
    assert "mail.smtp.password" in result.stderr and "environment reference" in result.stderr
    assert "hunter2" not in result.stderr


def test_no_watch_lists(config_copy: Path) -> None:
    for path in (config_copy / "watchlists").glob("*.toml"):
        path.unlink()
    result = run_check(config_copy)
    assert result.returncode == 2
    assert "watchlists: no watch lists" in result.stderr


def test_missing_directory(tmp_path: Path) -> None:
    result = run_check(tmp_path / "nowhere")
    assert result.returncode == 2
    assert "nowhere: configuration directory not found" in result.stderr


def test_config_directory_from_environment(config_copy: Path) -> None:
    # The installed console script, run from a folder that has its own config/ directory.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "presswatch"), "check"],
        capture_output=True,
        text=True,
        cwd=config_copy.parent,
        env={**os.environ, "PRESSWATCH_CONFIG": str(config_copy)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"configuration: {config_copy}" in result.stdout


def test_error_object_names_file_and_key(config_copy: Path) -> None:
    edit(config_copy / "presswatch.toml", 'timezone = "UTC"', 'timezone = "Nowhere/City"')
    with pytest.raises(ConfigError) as caught:
        load_config(config_copy)
    assert caught.value.file.endswith("presswatch.toml")
    assert caught.value.location == "timezone"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("1h30m", 5400), ("45s", 45), ("2d", 172800), (90, 90), ("0.5h", 1800)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "-5m", "0s", "5 minutes", "1h 2x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)
