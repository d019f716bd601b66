"""The one polling helper: every wait in iacgen goes through poll(), so back-off and timeouts are uniform."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from iacgen.core.errors import WaitTimeout

T = TypeVar("T")


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
    max_interval: float = 10.0,
    on_update: Callable[[T], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call fetch() until done(result), backing off 1.5x up to max_interval; WaitTimeout past timeout."""
    scale = _scale()
    delay = interval * scale
    deadline = clock() + timeout
    while True:
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
        delay = min(delay * 1.5, max_interval * scale)
