"""Helpers for the service tests: configuration folders, a service subprocess, and its log.

``ServiceProcess`` starts the real ``presswatch run`` (``scheduler.cli.main``) in a subprocess
through ``tests/service_harness.py``, which can move the wall clock of that process with
time-machine (``--clock`` / ``--shift-file``) so that a digest time falls a few seconds after
start; nothing else in the service is changed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "service_harness.py"


def write_config(
    folder: Path,
    *,
    sources: Iterable[dict[str, Any]] = (),
    watchlists: Iterable[dict[str, Any]] = (),
    smtp_port: int | None = None,
    extra_settings: str = "",
    crawl_settings: str = "",
) -> Path:
    """Write a configuration folder under ``folder/config`` and return it."""
    config = folder / "config"
    (config / "watchlists").mkdir(parents=True, exist_ok=True)
    settings = [
        f'database = "{folder / "data" / "presswatch.db"}"',
        'timezone = "UTC"',
        extra_settings,
        "[crawl]",
        'allow_private_addresses = ["127.0.0.1"]',
        "obey_robots = false",
        "delay = 0",
        crawl_settings,
        "[mail]",
        'from = "presswatch <alerts@example.org>"',
        f'outbox = "{folder / "outbox"}"',
    ]
    if smtp_port is not None:
        settings += [
            "[mail.smtp]",
            'host = "127.0.0.1"',
            f"port = {smtp_port}",
            'security = "none"',
        ]
    (config / "presswatch.toml").write_text("\n".join(settings) + "\n", encoding="utf-8")
    (config / "sources.toml").write_text(
        "".join(_table("source", source) for source in sources), encoding="utf-8"
    )
    for path in (config / "watchlists").glob("*.toml"):
        path.unlink()
    for index, watchlist in enumerate(watchlists):
        write_watchlist(config, f"list{index}", watchlist)
    return config


def write_watchlist(config: Path, stem: str, watchlist: dict[str, Any]) -> Path:
    fields = {key: value for key, value in watchlist.items() if key != "digest"}
    text = "".join(f"{key} = {_toml(value)}\n" for key, value in fields.items())
    if "digest" in watchlist:
        text += "[digest]\n" + "".join(
            f"{key} = {_toml(value)}\n" for key, value in watchlist["digest"].items()
        )
    path = config / "watchlists" / f"{stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _table(name: str, values: dict[str, Any]) -> str:
    return f"[[{name}]]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in values.items())


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class ServiceProcess:
    """``presswatch run`` in a subprocess, with its stderr collected line by line."""

    def __init__(
        self,
        config: Path,
        *,
        clock: datetime | None = None,
        shift_file: Path | None = None,
        extra_args: Iterable[str] = (),
        log_level: str = "INFO",
    ) -> None:
        command = [sys.executable, str(HARNESS)]
        if clock is not None:
            command += ["--clock", clock.isoformat()]
        if shift_file is not None:
            command += ["--shift-file", str(shift_file)]
        command += ["--", "--config", str(config), "--log-level", log_level, "run", *extra_args]
        environment = dict(os.environ)
        environment["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            command,
            cwd=config.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_log(self, needle: str | Callable[[str], bool], timeout: float = 30) -> str:
        """The first log line containing ``needle`` (or satisfying it); fails after ``timeout``."""
        matches = needle if callable(needle) else (lambda line: needle in line)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if matches(line):
                        return line
                seen = len(self.lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (
                    self.process.poll() is not None and not self._reader.is_alive()
                ):
                    raise AssertionError(
                        f"no log line with {needle!r} within {timeout} s; log:\n{self.log}"
                    )
                self._changed.wait(min(remaining, 0.5))

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def stop(self) -> None:
        """Make sure the process is gone (SIGKILL if it is still there)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        # Captured by pytest and shown only when the test fails.
        print(f"--- log of service pid {self.pid} ---\n{self.log}")


def wait_until(condition: Callable[[], Any], timeout: float, what: str, poll: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)
