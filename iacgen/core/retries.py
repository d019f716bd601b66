"""Which failed API calls are retried, and how: botocore's standard retry conditions (throttling codes,
transient 5xx, connection errors, errors the model marks retryable), full-jitter exponential back-off capped
at 20 s, a bounded number of attempts per call and a retry budget per run, so an outage fails fast instead of
retrying for ever.

Not retried, although botocore's list counts it as throttling: LimitExceededException, which CloudFormation
answers for an account quota (1,000 generated templates, stacks) that waiting does not lift.
ConcurrentResourcesLimitExceeded (429: five templates generating at once) is not retried here either: the
generation waits for a free slot with its own, longer poll (core/generation.py).

botocore's own retry handler is left in place with one attempt (its mode, standard or adaptive, still picks
the client-side rate limiter); this handler, registered first, answers every needs-retry event.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from iacgen.core import cancel

DEFAULT_MAX_ATTEMPTS = 8  # per call; with 20 s capped full jitter, at most ~70 s of waiting for one call
# nothing listening at the endpoint (refused, no such host, no answer to connect): a wrong endpoint or a
# proxy, which retrying does not fix, so it is told after a few seconds, not after the full back-off
CONNECT_ATTEMPTS = 3
MAX_BACKOFF_SECONDS = 20.0
NOT_RETRIED = frozenset({"LimitExceededException", "ConcurrentResourcesLimitExceeded"})
RetryMode = Literal["standard", "adaptive"]


def _scale() -> float:
    # the same scale as the polling helper: tests and the demo run against a local cloud that answers at once
    try:
        return float(os.environ.get("IACGEN_POLL_SCALE", "1"))
    except ValueError:
        return 1.0


@dataclass
class RetryBudget:
    """botocore's retry quota, in one place per run: each retry costs `cost`, each call that succeeds at
    once gives back 1, a call that succeeds after retries gives back its cost. Empty: no more retries."""

    capacity: int = 500
    cost: int = 5
    available: int = 500
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self) -> bool:
        with self._lock:
            if self.available < self.cost:
                return False
            self.available -= self.cost
            return True

    def give_back(self, amount: int) -> None:
        with self._lock:
            self.available = min(self.capacity, self.available + amount)


@dataclass
class RetryPolicy:
    """Hooked to a client's needs-retry event; counts the retries it grants by error code."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    budget: RetryBudget = field(default_factory=RetryBudget)
    retried: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(default_factory=random.Random, repr=False)
    _conditions: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from botocore.retries import standard

        self._adapter = standard.RetryEventAdapter()
        self._conditions = standard.StandardRetryConditions(max_attempts=self.max_attempts)

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, 2^(attempt-1))] seconds (attempt 1 is the first retry)."""
        return self.rng.uniform(0.0, min(MAX_BACKOFF_SECONDS, 2.0 ** (attempt - 1))) * _scale()

    def needs_retry(self, **kwargs: Any) -> float | None:
        context = self._adapter.create_retry_context(**kwargs)
        code = str(context.get_error_code() or "")
        if code.removesuffix("Exception") in NOT_RETRIED or code in NOT_RETRIED:
            return None
        if not self._conditions.is_retryable(context) or context.attempt_number >= self.max_attempts:
            return None
        if _cannot_connect(context) and context.attempt_number >= min(CONNECT_ATTEMPTS, self.max_attempts):
            return None
        if not self.budget.take():
            return None
        context.request_context["iacgen_retry_cost"] = self.budget.cost
        self.retried[code or _describe_failure(context)] += 1
        # the back-off is waited here, not by botocore, so that a worker told to stop ends in it
        cancel.sleep(self.delay(context.attempt_number))
        return 0.0

    def after_call(self, http_response: Any = None, context: dict[str, Any] | None = None, **_: Any) -> None:
        cost = (context or {}).pop("iacgen_retry_cost", None)
        if 200 <= int(getattr(http_response, "status_code", 0) or 0) < 300:
            self.budget.give_back(int(cost) if cost else 1)


def _cannot_connect(context: Any) -> bool:
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

    return isinstance(context.caught_exception, EndpointConnectionError | ConnectTimeoutError)


def _describe_failure(context: Any) -> str:
    if context.caught_exception is not None:
        return type(context.caught_exception).__name__
    status = getattr(context.http_response, "status_code", None)
    return f"HTTP {status}" if status else "unknown"


def resolve(mode: str | None, max_attempts: object) -> tuple[RetryMode, int]:
    """The retry mode and attempts to use: the user's (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the profile's
    retry_mode / max_attempts) where set and meaningful; botocore's 'legacy' becomes standard."""
    chosen: RetryMode = "adaptive" if mode == "adaptive" else "standard"
    try:
        attempts = int(str(max_attempts)) if max_attempts not in (None, "") else DEFAULT_MAX_ATTEMPTS
    except ValueError:
        attempts = DEFAULT_MAX_ATTEMPTS
    return chosen, max(1, attempts)


def install(client: Any, policy: RetryPolicy) -> None:
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"needs-retry.{service}", policy.needs_retry)
    client.meta.events.register(f"after-call.{service}", policy.after_call)
