"""Run ``presswatch`` with a moved wall clock: the service tests' only hook into time.

    python tests/service_harness.py [--clock ISO] [--shift-on-usr1 SECONDS] -- PRESSWATCH ARGS

``--clock`` starts the process's wall clock at ISO (it then ticks in real time), so a test can
put a digest time a few seconds after start instead of waiting for the next whole minute.
``--shift-on-usr1`` moves the wall clock by SECONDS whenever the process gets SIGUSR1: a clock
step or the end of a suspend, as the service's clock watch would see it. time-machine patches
only the wall clock (time.time, datetime.now); the monotonic and boot clocks keep real time, as
they do on a real host. Crawl children are new interpreters and run on the real clock.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import datetime, timedelta

import time_machine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clock", type=datetime.fromisoformat)
    parser.add_argument("--shift-on-usr1", type=float)
    parser.add_argument("presswatch", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    arguments = args.presswatch[1:] if args.presswatch[:1] == ["--"] else args.presswatch

    traveller = None
    if args.clock is not None or args.shift_on_usr1 is not None:
        start = args.clock or datetime.now().astimezone()
        traveller = time_machine.travel(start, tick=True).start()
    if args.shift_on_usr1 is not None:
        step = timedelta(seconds=args.shift_on_usr1)

        def shift(_signum: int, _frame: object) -> None:
            traveller.shift(step)

        signal.signal(signal.SIGUSR1, shift)

    from scheduler.cli import main as presswatch

    return presswatch(arguments)


if __name__ == "__main__":
    sys.exit(main())
