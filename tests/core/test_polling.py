"""The one polling helper: quick at first, then backing off to at most one call every 15 s (configurable)."""

from __future__ import annotations

import pytest

from iacgen.core.errors import WaitTimeout
from iacgen.core.polling import poll


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def clock(self) -> float:
        return self.now


def run(t: FakeTime, calls_until_done: int, **kwargs: float) -> int:
    calls = 0

    def fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    poll(fetch, lambda n: n >= calls_until_done, what="x", sleep=t.sleep, clock=t.clock, **kwargs)
    return calls


def test_backs_off_from_quick_to_one_call_every_15_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IACGEN_POLL_SCALE", "1")
    monkeypatch.delenv("IACGEN_POLL_MAX_INTERVAL", raising=False)
    t = FakeTime()
    assert run(t, 12, timeout=3600, interval=1.0) == 12
    assert t.sleeps[:4] == [1.0, 1.5, 2.25, 3.375]
    assert max(t.sleeps) == 15.0 and t.sleeps[-3:] == [15.0, 15.0, 15.0]
    # an hour-long wait costs about 240 calls at the slowest rate, not 3,600
    t = FakeTime()
    with pytest.raises(WaitTimeout):
        run(t, 10**9, timeout=3600, interval=2.0)
    assert len(t.sleeps) < 3600 / 15 + 10


def test_the_slowest_rate_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IACGEN_POLL_SCALE", "1")
    monkeypatch.setenv("IACGEN_POLL_MAX_INTERVAL", "5")
    t = FakeTime()
    run(t, 10, timeout=3600, interval=1.0)
    assert max(t.sleeps) == 5.0 and t.sleeps[-1] == 5.0
    monkeypatch.setenv("IACGEN_POLL_MAX_INTERVAL", "nonsense")  # ignored: the default stands
    t = FakeTime()
    run(t, 12, timeout=3600, interval=1.0)
    assert max(t.sleeps) == 15.0
