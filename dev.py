#!/usr/bin/env python3
"""Set up the environment and run presswatch or its tests, needing nothing but Python 3.11+.

    python3 dev.py run     # create .venv, install presswatch, run the service on ./config
    python3 dev.py test    # create .venv, install with test extras, lint and run the whole suite

Both are idempotent: the virtual environment is created once and reinstalled only when
pyproject.toml changes. Extra arguments are passed on (``python3 dev.py test -k config``).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PRESSWATCH_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older Python
        sys.exit("presswatch needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}-{digest}"
    if stamp.exists():
        return
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run([*pip, "-e", target], check=True)
    stamp.touch()


def ensure_browser() -> None:
    """The browser tests drive Debian's Chromium; install it when we can (root with apt-get)."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        sys.stderr.write("dev.py: installing chromium and chromium-driver for the browser tests\n")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True, env=env
        )
    else:
        sys.stderr.write(
            "dev.py: chromium and chromedriver are needed by the browser tests; install them "
            "(Debian/Ubuntu: apt-get install chromium chromium-driver)\n"
        )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        sys.stderr.write(__doc__ or "")
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "run":
        ensure_environment("")
        return subprocess.call([str(BIN / "presswatch"), "run", *rest])
    ensure_environment("test")
    ensure_browser()
    for check in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        if subprocess.call([str(BIN / check[0]), *check[1:]]) != 0:
            return 1
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
