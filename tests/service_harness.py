"""Run ``presswatch`` with a moved wall clock: the service tests' only hook into time.

    python tests/service_harness.py [--clock ISO] [--shift-file PATH] -- PRESSWATCH ARGS

``--clock`` starts the process's wall clock at ISO (it then ticks in real time), so a test can
put a digest time a few seconds after start instead of waiting for the next whole minute.
``--shift-file`` moves the wall clock by the number of seconds written into PATH, whenever that
file appears (it is then deleted): a clock step, or the end of a suspend, as the service's clock
watch would see it. time-machine patches only the wall clock (time.time, datetime.now); the
monotonic and boot clocks keep real time, as they do on a real host. Crawl children are new
interpreters and run on the real clock.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import time_machine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clock", type=datetime.fromisoformat)
    parser.add_argument("--shift-file", type=Path)
    parser.add_argument("presswatch", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    arguments = args.presswatch[1:] if args.presswatch[:1] == ["--"] else args.presswatch

    if args.clock is not None or args.shift_file is not None:
        start = args.clock or datetime.now().astimezone()
        traveller = time_machine.travel(start, tick=True).start()
        if args.shift_file is not None:
            threading.Thread(
                target=_shift_on_request, args=(traveller, args.shift_file), daemon=True
            ).start()

    from scheduler.cli import main as presswatch

    return presswatch(arguments)


def _shift_on_request(traveller: time_machine.Coordinates, request: Path) -> None:
    # A thread, not a signal handler: it acts at once, whatever the main thread is doing.
    while True:
        if request.exists():
            seconds = float(request.read_text(encoding="ascii"))
            request.unlink()
            traveller.shift(timedelta(seconds=seconds))
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
