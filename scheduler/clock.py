"""Noticing when the wall clock cannot be trusted: the host slept, or the clock was set.

APScheduler plans on the wall clock but waits on the monotonic one. After a suspend, a digest time
that passed while the host slept is noticed late; after the clock is set back, every interval job
waits the difference on top. :class:`ClockWatch` compares three clocks between two looks:

- wall (``time.time``): what the schedule and the ledger are written in;
- boot time (``CLOCK_BOOTTIME``): advances during a suspend;
- monotonic (``CLOCK_MONOTONIC``): stops during a suspend, never jumps.

Boot time running ahead of monotonic means the host slept; wall time running away from boot time
means the clock was set. The service then re-runs its ledger check for due digests and pulls in
interval jobs that a backward jump pushed into the future.

The clocks are parameters so that tests can drive :class:`ClockWatch` with fake ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

TOLERANCE_SECONDS = 5.0


def _boot_time() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


@dataclass(frozen=True)
class ClockJump:
    """What happened to the wall clock between two looks."""

    slept: float  # seconds the host was suspended
    stepped: float  # seconds the wall clock was set forward (negative: back)

    def describe(self) -> str:
        parts = []
        if self.slept:
            parts.append(f"the host slept for {self.slept:.0f} s")
        if self.stepped:
            direction = "forward" if self.stepped > 0 else "back"
            parts.append(f"the clock was set {direction} by {abs(self.stepped):.0f} s")
        return " and ".join(parts)


class ClockWatch:
    """Compares the clocks at each :meth:`look` and reports a jump bigger than ``tolerance``."""

    def __init__(
        self,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        boot: Callable[[], float] = _boot_time,
        tolerance: float = TOLERANCE_SECONDS,
    ) -> None:
        self._wall, self._monotonic, self._boot = wall, monotonic, boot
        self.tolerance = tolerance
        self._last = self._read()

    def _read(self) -> tuple[float, float, float]:
        return self._wall(), self._monotonic(), self._boot()

    def look(self) -> ClockJump | None:
        """Compare with the previous look; None while the clocks agree."""
        wall, monotonic, boot = current = self._read()
        last_wall, last_monotonic, last_boot = self._last
        self._last = current
        slept = (boot - last_boot) - (monotonic - last_monotonic)
        stepped = (wall - last_wall) - (boot - last_boot)
        if slept <= self.tolerance and abs(stepped) <= self.tolerance:
            return None
        return ClockJump(
            slept=slept if slept > self.tolerance else 0.0,
            stepped=stepped if abs(stepped) > self.tolerance else 0.0,
        )
