"""One sitting at the walk-through: how many people were decided, at what
pace, and about how long what is left would take at that pace.

Counted from the deck's counts when the window opened, so an undo takes a
decision back off the session too.  The time is the time the window was
open (a monotonic clock), never the time of day: the header shows no clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from triage.model import Counts

# Below these the pace says nothing worth showing yet.
PACE_AFTER_DECISIONS = 3
PACE_AFTER_SECONDS = 20.0


class Session:
    def __init__(self, start: Counts, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._began = clock()
        self._start = start
        self.counts = start

    def update(self, counts: Counts) -> None:
        self.counts = counts

    @property
    def invited(self) -> int:
        return max(self.counts.invite - self._start.invite, 0)

    @property
    def skipped(self) -> int:
        return max(self.counts.skip - self._start.skip, 0)

    @property
    def decided(self) -> int:
        done = self.counts.invite + self.counts.skip
        return max(done - (self._start.invite + self._start.skip), 0)

    @property
    def minutes(self) -> float:
        return (self._clock() - self._began) / 60

    def per_minute(self) -> float | None:
        """Decisions a minute, once there is enough to tell."""
        minutes = self.minutes
        if self.decided < PACE_AFTER_DECISIONS or minutes * 60 < PACE_AFTER_SECONDS:
            return None
        return self.decided / minutes

    def pace(self) -> str:
        """``6.0/min · about 25 min left`` for the header; '' until known."""
        rate = self.per_minute()
        if rate is None:
            return ""
        left = self.counts.undecided
        if not left:
            return f"{rate:.1f}/min"
        return f"{rate:.1f}/min · about {duration(left / rate)} left"

    def line(self) -> str:
        """What ``review`` prints when the window closes."""
        who = "person" if self.decided == 1 else "people"
        text = (
            f"This session: {self.decided:,} {who} decided ({self.invited:,} invited, "
            f"{self.skipped:,} skipped) in {duration(self.minutes)}"
        )
        if self.decided:
            text += f", {self.decided / max(self.minutes, 1 / 60):.1f} a minute"
        return text + f"; {self.counts.undecided:,} left to decide."


def duration(minutes: float) -> str:
    """``under a minute``, ``25 min``, ``2 h 10 min``."""
    if minutes < 1:
        return "under a minute"
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
