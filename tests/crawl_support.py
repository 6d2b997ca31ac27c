"""Helpers for the crawler tests: configuration directories written into a temporary folder."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import implementer

from tests.newsweb import WATCHLISTS

TEST_CRAWL_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": ["127.0.0.1"],
    "delay": 0,
    "timeout": "1s",
    "retries": 1,
    "concurrency": 16,
    "concurrency_per_domain": 4,
}


def toml_value(value: Any) -> str:
    """A TOML literal for the simple values these configurations use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def write_config(
    directory: Path,
    sources: Iterable[Mapping[str, Any]],
    *,
    crawl: Mapping[str, Any] | None = None,
    database: Path | None = None,
) -> Path:
    """Write presswatch.toml, sources.toml and the newsweb watch lists; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    database = database or directory / "db.sqlite"
    settings = {**TEST_CRAWL_SETTINGS, **(crawl or {})}
    lines = [f"database = {toml_value(str(database))}", "", "[crawl]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    (directory / "presswatch.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tables = []
    for source in sources:
        rows = [f"{key} = {toml_value(value)}" for key, value in source.items()]
        tables.append("[[source]]\n" + "\n".join(rows) + "\n")
    (directory / "sources.toml").write_text("\n".join(tables), encoding="utf-8")
    watchlists = directory / "watchlists"
    watchlists.mkdir(exist_ok=True)
    for number, (name, query) in enumerate(WATCHLISTS.items()):
        text = f"name = {toml_value(name)}\nquery = {toml_value(query)}\n"
        (watchlists / f"list-{number}.toml").write_text(text, encoding="utf-8")
    return directory


def rows(database: Path, sql: str, parameters: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Query the archive with a plain read-only connection."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, list(parameters))]
    finally:
        connection.close()


@implementer(IResolutionReceiver)
class CollectedResolution:
    """A resolution receiver that keeps the addresses a resolver hands on."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.completed = False

    def resolutionBegan(self, resolution) -> None:
        pass

    def addressResolved(self, address) -> None:
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:
        self.completed = True
