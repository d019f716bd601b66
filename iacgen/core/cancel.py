"""Stopping work that runs in another thread. A signal reaches only the main thread (as KeyboardInterrupt);
a fan-out's main thread passes it on by setting the event its workers run under. Each worker checks the
event between steps and in every wait (poll's sleep, the retry back-off) and then raises Cancelled, a
KeyboardInterrupt: the worker takes the very path an interrupted single run takes (ci's clean-up on the way
out), so there is one way of stopping, whichever thread the work runs in.

The event is per thread (a context variable: a pool's worker starts with none), so the main thread and
other commands are unaffected; clean-up runs shielded, as it must finish even though the run was stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_EVENT: ContextVar[threading.Event | None] = ContextVar("iacgen_cancel", default=None)


class Cancelled(KeyboardInterrupt):
    """The thread's run was told to stop (its caller was interrupted): handled as Ctrl-C is."""


@contextmanager
def cancelled_by(event: threading.Event) -> Iterator[None]:
    """Run the block so that setting `event` stops it at its next check."""
    token = _EVENT.set(event)
    try:
        yield
    finally:
        _EVENT.reset(token)


@contextmanager
def shielded() -> Iterator[None]:
    """Run the block to the end even when the run was told to stop: removing what it created."""
    token = _EVENT.set(None)
    try:
        yield
    finally:
        _EVENT.reset(token)


def check() -> None:
    """Raise Cancelled if this thread's run was told to stop."""
    event = _EVENT.get()
    if event is not None and event.is_set():
        raise Cancelled()


def sleep(seconds: float) -> None:
    """time.sleep, ended early (Cancelled) when this thread's run is told to stop."""
    event = _EVENT.get()
    if event is None:
        time.sleep(seconds)
    elif event.wait(seconds):
        raise Cancelled()
