"""Docs as tests: what a user can type or configure is documented where they will look."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from config.schema import Settings
from scheduler.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SHIPPED_SETTINGS = (REPO / "config" / "presswatch.toml").read_text(encoding="utf-8")


def subcommands() -> list[str]:
    import argparse

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_command_is_in_the_readme_and_has_help(command: str) -> None:
    assert f"`presswatch {command}" in README
    assert build_parser().parse_args([command, *(["x"] if command in ("search", "backup") else [])])


def settings_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += settings_keys(annotation, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


# [mail.smtp] is an optional table, documented commented out (see test_smtp_keys_are_documented).
@pytest.mark.parametrize("key", [key for key in settings_keys(Settings) if key != "mail.smtp"])
def test_every_setting_is_in_the_shipped_settings_file(key: str) -> None:
    """config/presswatch.toml is the reference: each key appears, set or commented out."""
    section, _, name = key.rpartition(".")
    if section:
        assert f"[{section}]" in SHIPPED_SETTINGS, f"no [{section}] table"
        table = SHIPPED_SETTINGS.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    else:
        table = SHIPPED_SETTINGS.split("\n[", 1)[0]
    assert re.search(rf"^#?\s*{re.escape(name)}\s*=", table, re.M), key


def test_shipped_settings_file_is_the_defaults() -> None:
    """Every value set in the shipped file equals the default, so the comments tell the truth."""
    shipped = Settings.model_validate(tomllib.loads(SHIPPED_SETTINGS))
    assert shipped == Settings()


def test_smtp_keys_are_documented() -> None:
    for key in ("host", "port", "security", "username", "password", "timeout"):
        assert re.search(rf"^# {key} = ", SHIPPED_SETTINGS.split("[mail.smtp]", 1)[1], re.M), key
