"""The live count of a batch: submissions done / failed / remaining, and an ETA."""

from __future__ import annotations

import time


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    def __init__(self, total: int, clock=time.monotonic):
        self.total = total
        self.clock = clock
        self.started = clock()
        self.done = 0  # graded, including reused results
        self.cached = 0
        self.failed = 0  # rejected, or could not be graded

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.done - self.failed)

    def eta(self) -> str:
        # reused results take no time: the rate is that of submissions graded in this run
        fresh = self.done + self.failed - self.cached
        if not self.remaining:
            return "0:00"
        if fresh <= 0:
            return "?"
        return _clock((self.clock() - self.started) / fresh * self.remaining)

    def finished(self, ok: bool, cached: bool = False) -> str:
        """Count one finished submission; the progress line to show."""
        if ok:
            self.done += 1
            self.cached += cached
        else:
            self.failed += 1
        return self.line()

    def line(self) -> str:
        cached = f" ({self.cached} cached)" if self.cached else ""
        return (
            f"[batch] {self.done}/{self.total} done{cached}, {self.failed} failed, "
            f"{self.remaining} remaining, ETA {self.eta()}"
        )

    def summary(self) -> str:
        elapsed = self.clock() - self.started
        return (
            f"{self.total} submissions: {self.done} graded ({self.cached} reused from the store), "
            f"{self.failed} not graded, {self.remaining} not reached; {_clock(elapsed)} elapsed"
        )
