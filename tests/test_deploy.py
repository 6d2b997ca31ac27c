"""The deployment files do what docs/deployment.md says, run without systemd or a Docker engine.

Neither systemd (as PID 1) nor a Docker engine runs on the machines this suite runs on, so these
tests carry out what each file declares, step by step, with the real ``presswatch``:

* ``Dockerfile``: the build stage's ``COPY`` lines make a build context from which a wheel is
  built and installed into a separate folder, as ``pip install .`` does in the image; the final
  stage's ``ENV``, ``WORKDIR`` (the volume), ``ENTRYPOINT``/``CMD`` and ``STOPSIGNAL`` then start
  that installed copy — not this checkout — against the local news web.
* ``deploy/presswatch.service``: ``Environment=``, ``EnvironmentFile=``, ``WorkingDirectory=``,
  ``ExecStartPre=``, ``ExecStart=``, ``ExecReload=`` (with ``$MAINPID``), ``KillSignal=`` and
  ``TimeoutStopSec=`` are applied as systemd applies them.

Paths the files name (/opt/presswatch, /etc/presswatch, /var/lib/presswatch) are mapped into the
test's temporary folder.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.newsweb import GAZA, WATCHLISTS, RunningWeb
from tests.service_support import write_config

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
UNIT_FILE = ROOT / "deploy" / "presswatch.service"


# --- reading the two files ----------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, keyword: str) -> list[str]:
        return [argument for name, argument in self.instructions if name == keyword]


def dockerfile_stages(text: str) -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append(Stage(base=argument.split()[0]))
        else:
            stages[-1].instructions.append((keyword.upper(), argument.strip()))
    return stages


def unit_directives(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a systemd unit; keys that may repeat keep every value."""
    directives: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key.strip(), []).append(value.strip())
    return directives


def env_assignments(argument: str) -> dict[str, str]:
    """``ENV A=1 B=2`` / ``Environment=A=1`` as a mapping (values may refer to $PATH)."""
    return dict(word.split("=", 1) for word in shlex.split(argument))


def json_array(argument: str) -> list[str]:
    return re.findall(r'"([^"]*)"', argument)


# --- running presswatch as the files say ---------------------------------------------------------


class Service:
    """A started command whose stderr is collected, for waiting on log lines."""

    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in list(self.lines)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no log line with {needle!r}; log:\n{self.log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        print(f"--- service log ---\n{self.log}")


@pytest.fixture
def web(make_served_web) -> RunningWeb:
    return make_served_web(seed=11, sites=1, articles_per_site=8, hostile=False)


def write_local_config(folder: Path, web: RunningWeb) -> Path:
    """A configuration for the local news web, with the database relative, as shipped."""
    site = web.web.sites[0]
    config = write_config(
        folder,
        sources=[
            {"name": site.name, "feeds": [web.base_url(site.name) + "/rss.xml"], "interval": "1h"}
        ],
        watchlists=[
            {
                "name": GAZA,
                "query": WATCHLISTS[GAZA],
                "recipients": ["desk@example.org"],
                "digest": {"times": ["07:00"]},
            }
        ],
    )
    settings = config / "presswatch.toml"
    text = re.sub(
        r'^database = ".*"$',
        'database = "data/presswatch.db"',
        settings.read_text(),
        count=1,
        flags=re.MULTILINE,
    )
    text = re.sub(r'^outbox = ".*"$', 'outbox = "data/outbox"', text, count=1, flags=re.MULTILINE)
    settings.write_text(text, encoding="utf-8")
    return config


def stored_articles(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM articles").fetchone()[0]


def wait_for_articles(database: Path, service: Service, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if database.exists():
            try:
                count = stored_articles(database)
            except sqlite3.OperationalError:  # the schema is being created
                count = 0
            if count:
                return count
        assert service.process.poll() is None, service.log
        time.sleep(0.5)
    raise AssertionError(f"no article stored in {database}; log:\n{service.log}")


# --- the Dockerfile -----------------------------------------------------------------------------


def dockerignored(patterns: list[str]):
    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if any(fnmatch.fnmatch(name, pattern.removeprefix("**/")) for pattern in patterns)
        }

    return ignore


def build_context(stage: Stage, destination: Path) -> None:
    """Copy what the build stage's COPY lines take from the context, as Docker would."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for argument in stage.values("COPY"):
        *sources, target = argument.split()
        target_dir = destination if target in (".", "./") else destination / target
        target_dir.mkdir(parents=True, exist_ok=True)
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(
                    path, target_dir, ignore=dockerignored(patterns), dirs_exist_ok=True
                )
            else:
                shutil.copy2(path, target_dir / path.name)


def install_like_the_image(tmp_path: Path) -> Path:
    """Build the wheel from the image's build context and install it on its own; return it."""
    stages = dockerfile_stages(DOCKERFILE.read_text())
    context = tmp_path / "src"
    build_context(stages[0], context)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(context)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("presswatch-*.whl")
    installed = tmp_path / "opt" / "presswatch"
    subprocess.run(
        [
            *pip,
            "install",
            "--no-deps",
            "--no-compile",
            "-q",
            "--target",
            str(installed),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return installed


@pytest.fixture(scope="module")
def image_install(tmp_path_factory) -> Path:
    return install_like_the_image(tmp_path_factory.mktemp("image"))


def test_the_dockerfile_image_is_slim_non_root_with_a_data_volume() -> None:
    build, final = dockerfile_stages(DOCKERFILE.read_text())
    assert final.base.startswith("python:3.11-slim")
    (user,) = final.values("USER")
    assert user.split(":")[0] not in ("root", "0")
    # The service user owns the volume, which is also the working directory, so the shipped
    # relative database path lands on the volume.
    (workdir,) = final.values("WORKDIR")
    assert json_array(final.values("VOLUME")[0]) == [workdir]
    assert any(
        f"--owner {user.split(':')[0]}" in run and workdir in run for run in final.values("RUN")
    )
    # Exec form, so SIGTERM reaches presswatch itself and not a shell.
    assert json_array(final.values("ENTRYPOINT")[0]) == ["presswatch"]
    assert json_array(final.values("CMD")[0]) == ["run"]
    assert final.values("STOPSIGNAL") == ["SIGTERM"]
    # Only the runtime copy of the virtualenv crosses from the build stage: no compilers.
    assert [c for c in final.values("COPY") if c.startswith("--from")] == [
        "--from=build /opt/presswatch /opt/presswatch"
    ]
    assert build.base == final.base.split()[0] or build.base.startswith("python:3.11")


def test_the_image_install_carries_every_template_and_default_file(image_install: Path) -> None:
    packaged = {
        path.relative_to(ROOT)
        for folder in ("alerts", "scheduler", "config", "crawler")
        for path in (ROOT / folder).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in (".pyc",)
        and path.name != "secrets.env"
    }
    missing = sorted(str(path) for path in packaged if not (image_install / path).is_file())
    assert missing == []
    assert (image_install / "bin" / "presswatch").is_file()


def test_the_image_runs_the_service_from_its_own_install(
    image_install: Path, web: RunningWeb, tmp_path: Path
) -> None:
    _, final = dockerfile_stages(DOCKERFILE.read_text())
    environment = {
        key: value
        for argument in final.values("ENV")
        for key, value in env_assignments(argument).items()
    }
    assert environment["PATH"] == "/opt/presswatch/bin:$PATH"
    bin_dir = image_install / "bin"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update({key: value for key, value in environment.items() if key != "PATH"})
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    # /opt/presswatch is a virtualenv in the image; here the packages sit in a --target folder.
    env["PYTHONPATH"] = str(image_install)

    # The configuration baked into the image (COPY config /etc/presswatch) is valid there.
    (config_copy,) = [
        c for c in final.values("COPY") if c.endswith(environment["PRESSWATCH_CONFIG"])
    ]
    baked = tmp_path / "etc" / "presswatch"
    shutil.copytree(ROOT / config_copy.split()[0], baked)
    volume = tmp_path / "var" / "lib" / "presswatch"
    volume.mkdir(parents=True)
    checked = subprocess.run(
        ["presswatch", "check"],
        cwd=volume,
        env={**env, "PRESSWATCH_CONFIG": str(baked), "SMTP_PASSWORD": "unused"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr

    # The code that runs is the installed copy, not this checkout.
    where = subprocess.run(
        [sys.executable, "-c", "import alerts, crawler, scheduler; print(crawler.__file__)"],
        cwd=volume,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(image_install)

    # `docker run -v "$PWD/config:/etc/presswatch:ro"`: the operator's configuration mounted
    # over the baked one; ENTRYPOINT + CMD in WORKDIR.
    mounted = write_local_config(tmp_path / "operator", web)
    command = [*json_array(final.values("ENTRYPOINT")[0]), *json_array(final.values("CMD")[0])]
    service = Service(command, cwd=volume, env={**env, "PRESSWATCH_CONFIG": str(mounted)})
    try:
        service.wait_for_log("presswatch service started")
        stored = wait_for_articles(volume / "data" / "presswatch.db", service)
        assert stored > 0
        started = time.monotonic()
        service.process.send_signal(getattr(signal, final.values("STOPSIGNAL")[0]))
        # docs/deployment.md runs the container with --stop-timeout 30.
        assert service.process.wait(timeout=30) == 0
        assert time.monotonic() - started < 30
    finally:
        service.stop()
    assert "presswatch service stopped" in service.log
    assert "Traceback" not in service.log


# --- the systemd unit ---------------------------------------------------------------------------


@dataclass
class UnitLayout:
    """Where the unit's absolute paths point in this test."""

    config: Path
    state: Path

    def translate(self, text: str) -> str:
        presswatch = Path(sys.executable).with_name("presswatch")
        return (
            text.replace("/opt/presswatch/bin/presswatch", str(presswatch))
            .replace("/etc/presswatch", str(self.config))
            .replace("/var/lib/presswatch", str(self.state))
        )


def unit_environment(directives: dict[str, list[str]], layout: UnitLayout) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for argument in directives["Environment"]:
        env.update(env_assignments(layout.translate(argument)))
    for argument in directives.get("EnvironmentFile", []):
        path = Path(layout.translate(argument.removeprefix("-")))
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    env[key.strip()] = value.strip()
    return env


@pytest.fixture
def unit() -> dict[str, list[str]]:
    return unit_directives(UNIT_FILE.read_text())


def test_the_unit_runs_as_its_own_user_in_its_state_directory(unit) -> None:
    assert unit["User"] == ["presswatch"]
    assert unit["Type"] == ["simple"]
    assert unit["WorkingDirectory"] == [f"/var/lib/{unit['StateDirectory'][0]}"]
    assert unit["KillSignal"] == ["SIGTERM"]
    assert int(unit["TimeoutStopSec"][0]) >= 30
    assert unit["Restart"] == ["on-failure"]


def test_the_unit_starts_reloads_and_stops_presswatch(unit, web: RunningWeb, tmp_path) -> None:
    layout = UnitLayout(config=write_local_config(tmp_path / "etc", web), state=tmp_path / "state")
    layout.state.mkdir()  # StateDirectory= creates it
    settings = layout.config / "presswatch.toml"
    # The SMTP password comes from EnvironmentFile= (the configuration refers to the variable).
    settings.write_text(
        settings.read_text()
        + '[mail.smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
        + 'username = "desk"\npassword = "${SMTP_PASSWORD}"\n'
    )
    (layout.config / "secrets.env").write_text("SMTP_PASSWORD=from-the-environment-file\n")
    env = unit_environment(unit, layout)
    assert env["SMTP_PASSWORD"] == "from-the-environment-file"
    cwd = Path(layout.translate(unit["WorkingDirectory"][0]))

    (pre,) = unit["ExecStartPre"]
    checked = subprocess.run(
        shlex.split(layout.translate(pre)), cwd=cwd, env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr

    (start,) = unit["ExecStart"]
    service = Service(shlex.split(layout.translate(start)), cwd=cwd, env=env)
    try:
        service.wait_for_log("presswatch service started")
        assert wait_for_articles(cwd / "data" / "presswatch.db", service) > 0

        (reload,) = unit["ExecReload"]
        reload_command = layout.translate(reload).replace("$MAINPID", str(service.process.pid))
        subprocess.run(shlex.split(reload_command), check=True)
        service.wait_for_log("configuration reloaded")

        started = time.monotonic()
        service.process.send_signal(getattr(signal, unit["KillSignal"][0]))
        assert service.process.wait(timeout=int(unit["TimeoutStopSec"][0])) == 0
        assert time.monotonic() - started < int(unit["TimeoutStopSec"][0])
    finally:
        service.stop()
    assert "Traceback" not in service.log


def test_a_broken_configuration_fails_exec_start_pre_with_status_2(unit, web, tmp_path) -> None:
    layout = UnitLayout(config=write_local_config(tmp_path / "etc", web), state=tmp_path / "state")
    layout.state.mkdir()
    settings = layout.config / "presswatch.toml"
    settings.write_text(
        settings.read_text().replace('timezone = "UTC"', 'timezone = "Mars/Olympus"')
    )
    (pre,) = unit["ExecStartPre"]
    checked = subprocess.run(
        shlex.split(layout.translate(pre)),
        cwd=layout.state,
        env=unit_environment(unit, layout),
        capture_output=True,
        text=True,
    )
    # systemd does not start ExecStart= after a failed ExecStartPre=; the journal names the key.
    assert checked.returncode == 2
    assert "presswatch.toml" in checked.stderr and "timezone" in checked.stderr
    assert "Traceback" not in checked.stderr
