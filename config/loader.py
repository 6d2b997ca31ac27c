"""Read the configuration directory and turn every problem into one clear :class:`ConfigError`.

The directory holds ``presswatch.toml`` (settings), ``sources.toml`` (a ``[[source]]`` table per
outlet) and ``watchlists/*.toml`` (one watch list per file). Strings may refer to environment
variables as ``${NAME}``; the SMTP password must be given that way so that no secret sits in a file.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from config.schema import Settings, Source, WatchList

DEFAULT_DIRECTORY = Path("config")
ENVIRONMENT_VARIABLE = "PRESSWATCH_CONFIG"
M = typing.TypeVar("M", bound=BaseModel)
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """A configuration problem, located by file and key path."""

    def __init__(self, file: Path | str, location: str | None, problem: str) -> None:
        self.file = str(file)
        self.location = location
        self.problem = problem
        where = f"{self.file}: {location}" if location else self.file
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Config:
    """Everything presswatch was configured with, validated."""

    directory: Path
    settings: Settings
    sources: tuple[Source, ...]
    watchlists: tuple[WatchList, ...]

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def watchlist(self, name: str) -> WatchList:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        raise KeyError(name)

    def digest_timezone(self, watchlist: WatchList) -> str:
        return watchlist.digest.timezone or self.settings.timezone


def config_directory(option: str | Path | None = None) -> Path:
    """The directory named by ``--config``, else ``$PRESSWATCH_CONFIG``, else ``./config``."""
    if option:
        return Path(option)
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return Path(os.environ[ENVIRONMENT_VARIABLE])
    return DEFAULT_DIRECTORY


def load_config(directory: str | Path | None = None) -> Config:
    """Load and validate the configuration directory.

    :raises ConfigError: naming the file, the key path and what is wrong.
    """
    directory = config_directory(directory)
    if not directory.is_dir():
        raise ConfigError(directory, None, "configuration directory not found")

    settings_file = directory / "presswatch.toml"
    settings_data = _read_toml(settings_file, required=False)
    _check_password_is_a_reference(settings_data, settings_file)
    settings = _validate(Settings, _expand_environment(settings_data, settings_file), settings_file)

    sources_file = directory / "sources.toml"
    sources = _load_sources(sources_file)
    watchlists = _load_watchlists(directory / "watchlists", {source.name for source in sources})
    return Config(directory, settings, tuple(sources), tuple(watchlists))


def _load_sources(path: Path) -> list[Source]:
    data = _read_toml(path, required=True)
    unknown = set(data) - {"source"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(path, key, f"unknown key{_did_you_mean(key, ['source'])}")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise ConfigError(path, "source", "write each source as a [[source]] table")
    sources = [
        _validate(Source, _expand_environment(table, path), path, prefix=f"source[{index}]")
        for index, table in enumerate(tables)
    ]
    _reject_duplicate_names([source.name for source in sources], path, "source")
    return sources


def _load_watchlists(directory: Path, source_names: set[str]) -> list[WatchList]:
    files = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if not files:
        raise ConfigError(directory, None, "no watch lists: add at least one *.toml file here")
    watchlists = []
    seen: dict[str, Path] = {}
    for path in files:
        data = _expand_environment(_read_toml(path, required=True), path)
        watchlist = _validate(WatchList, data, path).model_copy(update={"path": path})
        _check_query(watchlist, path)
        for name in watchlist.sources:
            if name not in source_names:
                raise ConfigError(
                    path, "sources", f"unknown source {name!r}{_did_you_mean(name, source_names)}"
                )
        folded = watchlist.name.casefold()
        if folded in seen:
            raise ConfigError(
                path,
                "name",
                f"duplicate watch list name {watchlist.name!r} (also in {seen[folded]})",
            )
        seen[folded] = path
        watchlists.append(watchlist)
    return watchlists


def _check_query(watchlist: WatchList, path: Path) -> None:
    from crawler.matching import QuerySyntaxError, parse_query

    try:
        parse_query(watchlist.query)
    except QuerySyntaxError as error:
        raise ConfigError(path, "query", f"invalid query:\n{error}") from None


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(path, None, "file not found")
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, None, f"TOML syntax error: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, f"cannot read the file: {error}") from None


def _validate(model: type[M], data: dict[str, Any], path: Path, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = _join_location(prefix, first["loc"])
        problem = _describe(model, first)
        raise ConfigError(path, location or None, problem) from None


def _describe(model: type[BaseModel], error: Any) -> str:
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1])
        return f"unknown key{_did_you_mean(key, _field_names(model, error['loc'][:-1]))}"
    if error["type"] == "missing":
        return "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] not in ("value_error", "assertion_error") and "input" in error:
        message += f" (got {error['input']!r})"
    return message


def _field_names(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``location`` inside ``model``, for the "did you mean" hint."""
    current: Any = model
    for step in location:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(step))
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == str(step)), None)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def _did_you_mean(word: str, candidates: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _join_location(prefix: str, location: tuple[Any, ...]) -> str:
    text = prefix
    for step in location:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _expand_environment(data: Any, path: Path, location: str = "") -> Any:
    """Replace ``${NAME}`` in every string with the environment variable's value."""
    if isinstance(data, dict):
        return {
            key: _expand_environment(value, path, f"{location}.{key}" if location else key)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_expand_environment(item, path, f"{location}[{i}]") for i, item in enumerate(data)]
    if isinstance(data, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(path, location, f"environment variable {name} is not set")
            return os.environ[name]

        return _ENV_REFERENCE.sub(substitute, data)
    return data


def _check_password_is_a_reference(data: dict[str, Any], path: Path) -> None:
    password = data.get("mail", {}).get("smtp", {}).get("password")
    if password is not None and not _ENV_REFERENCE.fullmatch(str(password)):
        raise ConfigError(
            path,
            "mail.smtp.password",
            "write the password as an environment reference such as '${SMTP_PASSWORD}' "
            "and set that variable, so that no secret is stored in the file",
        )


def _reject_duplicate_names(names: list[str], path: Path, table: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name.casefold() in seen:
            raise ConfigError(path, f"{table}[{index}].name", f"duplicate {table} name {name!r}")
        seen.add(name.casefold())
