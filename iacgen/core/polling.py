"""The one polling helper: every wait in iacgen goes through poll(), so back-off and timeouts are uniform.

Quick at first (the local cloud and small templates finish in seconds), backing off 1.5x to at most one
call every 15 s (IACGEN_POLL_MAX_INTERVAL seconds): a 100,000-resource scan takes hours, and polling it
every second would cost thousands of calls against the account's API rate for nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from iacgen.core import cancel
from iacgen.core.errors import WaitTimeout

T = TypeVar("T")


DEFAULT_MAX_INTERVAL = 15.0


def max_interval_setting() -> float:
    """The slowest polling rate: IACGEN_POLL_MAX_INTERVAL seconds between calls (default 15)."""
    try:
        value = float(os.environ.get("IACGEN_POLL_MAX_INTERVAL", DEFAULT_MAX_INTERVAL))
    except ValueError:
        return DEFAULT_MAX_INTERVAL
    return value if value > 0 else DEFAULT_MAX_INTERVAL


def _scale() -> float:
    # Tests and the demo run against the local cloud, whose operations finish in well under a second.
    try:
        return float(os.environ.get("IACGEN_POLL_SCALE", "1"))
    except ValueError:
        return 1.0


def poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    what: str,
    timeout: float,
    interval: float = 1.0,
    max_interval: float | None = None,
    on_update: Callable[[T], None] | None = None,
    sleep: Callable[[float], None] = cancel.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call fetch() until done(result), backing off 1.5x from `interval` up to `max_interval` (default: the
    configured slowest rate); WaitTimeout past timeout. A worker told to stop ends at the next call or in
    the sleep (cancel.Cancelled)."""
    scale = _scale()
    cap = max_interval_setting() if max_interval is None else max_interval
    delay = interval * scale
    deadline = clock() + timeout
    while True:
        cancel.check()
        value = fetch()
        if on_update is not None:
            on_update(value)
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(
                f"timed out after {timeout:g}s waiting for {what}",
                "it may still finish on the service side; re-run the command to pick it up, "
                "or pass a longer {opt:timeout}",
            )
        sleep(min(delay, remaining))
        delay = min(delay * 1.5, cap * scale)
