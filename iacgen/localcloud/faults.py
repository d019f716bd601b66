"""Per-operation fault injection: the errors a busy or failing service answers, on any operation of the local
cloud (ours and moto's own, CloudFormation, EC2, S3 and the rest), so a client's retries and error reports can
be tested without a real outage.

A rule is `OPERATION=KIND[:RATE[:TIMES]]`, several comma-separated, in `settings.faults`
(IACGEN_LOCAL_FAULTS). OPERATION is a glob over `service:Operation` or `Operation`
(`*`, `cloudformation:*`, `DescribeStacks`, `ec2:Describe*`); RATE is the share of matching calls that fail
(default 1), drawn from a random sequence seeded with `settings.fault_seed` (IACGEN_LOCAL_FAULT_SEED), so a
run is reproducible; TIMES caps how many calls the rule fails in all. The first rule that matches an
operation decides; a faulted call changes nothing, as a throttled call on the service does.

The kinds, with the service's wire answers:

| kind     | CloudFormation (query), others            | EC2                       | S3                    |
|----------|-------------------------------------------|---------------------------|-----------------------|
| throttle | 400 Throttling "Rate exceeded"            | 503 RequestLimitExceeded  | 503 SlowDown          |
| 5xx      | 500 InternalFailure                       | 500 InternalError         | 500 InternalError     |
| busy     | 429 ConcurrentResourcesLimitExceeded      | (same)                    | (same)                |
| denied   | 403 AccessDenied "... is not authorized"  | 403 UnauthorizedOperation | 403 AccessDenied      |
| quota    | 400 LimitExceededException                | (same)                    | (same)                |

Faults of a resource's life (a FAILED scan, a FAILED resource in a generated template, a change set that ends
FAILED, an import that rolls back) are state, not wire: see `fail_next_*` and `fail_resource_ids` in
settings.py.
"""

from __future__ import annotations

import fnmatch
import random
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from iacgen.localcloud import settings as settings_module
from iacgen.localcloud.settings import settings


class FaultKind(StrEnum):
    throttle = "throttle"
    server_error = "5xx"
    busy = "busy"
    denied = "denied"
    quota = "quota"


@dataclass(frozen=True)
class WireError:
    """An error answer: HTTP status, error code, message."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class FaultRule:
    operation: str  # glob over "service:Operation" or "Operation"
    kind: FaultKind
    rate: float = 1.0
    times: int | None = None

    def matches(self, service: str, operation: str) -> bool:
        pattern = self.operation
        if ":" in pattern:
            return fnmatch.fnmatchcase(f"{service}:{operation}", pattern)
        return fnmatch.fnmatchcase(operation, pattern)


class FaultSpecError(ValueError):
    pass


def parse_rules(spec: str) -> list[FaultRule]:
    """`OPERATION=KIND[:RATE[:TIMES]]`, comma-separated; FaultSpecError says which part is wrong."""
    rules = []
    for raw in (part.strip() for part in spec.split(",")):
        if not raw:
            continue
        operation, sep, rest = raw.partition("=")
        if not sep or not operation.strip():
            raise FaultSpecError(f"fault rule {raw!r}: expected OPERATION=KIND[:RATE[:TIMES]]")
        kind_text, *numbers = rest.strip().split(":")
        try:
            kind = FaultKind(kind_text)
        except ValueError:
            known = ", ".join(k.value for k in FaultKind)
            raise FaultSpecError(f"fault rule {raw!r}: unknown kind {kind_text!r} (one of {known})") from None
        if len(numbers) > 2:
            raise FaultSpecError(f"fault rule {raw!r}: expected OPERATION=KIND[:RATE[:TIMES]]")
        try:
            rate = float(numbers[0]) if numbers else 1.0
            times = int(numbers[1]) if len(numbers) > 1 else None
        except ValueError:
            raise FaultSpecError(
                f"fault rule {raw!r}: RATE is a number in 0..1, TIMES a whole number"
            ) from None
        if not 0.0 <= rate <= 1.0 or (times is not None and times < 0):
            raise FaultSpecError(f"fault rule {raw!r}: RATE is a number in 0..1, TIMES a whole number")
        rules.append(FaultRule(operation.strip(), kind, rate, times))
    return rules


def wire_error(kind: FaultKind, service: str, operation: str) -> WireError:
    """What the service answers for this kind of fault (see the table in the module docstring)."""
    if kind is FaultKind.throttle:
        if service == "ec2":
            return WireError(503, "RequestLimitExceeded", "Request limit exceeded.")
        if service == "s3":
            return WireError(503, "SlowDown", "Please reduce your request rate.")
        return WireError(400, "Throttling", "Rate exceeded")
    if kind is FaultKind.server_error:
        if service in ("ec2", "s3"):
            return WireError(500, "InternalError", "We encountered an internal error. Please try again.")
        return WireError(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    if kind is FaultKind.busy:
        return WireError(
            429,
            "ConcurrentResourcesLimitExceededException",
            "No more than 5 generated templates can be in an InProgress or Pending status at one time.",
        )
    if kind is FaultKind.denied:
        who = "arn:aws:iam::123456789012:user/iacgen-test"
        text = f"User: {who} is not authorized to perform: {service}:{operation}"
        if service == "ec2":
            return WireError(
                403, "UnauthorizedOperation", f"You are not authorized to perform this operation. {text}"
            )
        return WireError(403, "AccessDenied", text)
    return WireError(400, "LimitExceededException", f"{operation}: an account quota was reached")


class Injector:
    """Decides, call by call, whether an operation fails. Rebuilt whenever the fault settings change, so a
    test that sets faults starts its random sequence afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int, int] | None = None
        self._rules: list[FaultRule] = []
        self._random = random.Random(0)
        self._used: Counter[int] = Counter()
        self._injected: Counter[str] = Counter()  # "service:Operation=kind" -> faults answered

    def _current(self) -> list[FaultRule]:
        key = (str(settings.faults or ""), int(settings.fault_seed), settings_module.revision)
        if key != self._key:
            self._key = key
            try:
                self._rules = parse_rules(key[0])
            except FaultSpecError as exc:
                # read from the environment of a server: say it once and inject nothing
                import sys

                sys.stderr.write(f"iacgen local cloud: ignoring IACGEN_LOCAL_FAULTS: {exc}\n")
                self._rules = []
            self._random = random.Random(key[1])
            self._used = Counter()
            self._injected = Counter()
        return self._rules

    @property
    def injected(self) -> Counter[str]:
        """The faults answered under the current settings: a change of settings starts the count afresh, even
        when no call has been checked since (no faults set means no call is checked at all)."""
        with self._lock:
            self._current()
            return Counter(self._injected)

    def decide(self, service: str, operation: str) -> WireError | None:
        with self._lock:
            rules = self._current()
            for index, rule in enumerate(rules):
                if not rule.matches(service, operation):
                    continue
                if rule.times is not None and self._used[index] >= rule.times:
                    continue  # spent: the next matching rule decides
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    return None
                self._used[index] += 1
                self._injected[f"{service}:{operation}={rule.kind.value}"] += 1
                return wire_error(rule.kind, service, operation)
            return None


injector = Injector()


# --- the hooks into moto's dispatch -----------------------------------------------------------------------


def _query_answer(response: Any, error: WireError) -> Any:
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult

    class InjectedFault(ServiceException):
        """Serialised by moto in the operation's own protocol; its module is ours, so moto looks the code up
        in the operation's service model only (a code the model lacks, like Throttling, is fine)."""

    with warnings.catch_warnings():
        # moto warns that a code matches no modelled error shape: Throttling and InternalFailure never do
        warnings.simplefilter("ignore", UserWarning)
        _, headers, body = response.serialized(ActionResult(InjectedFault(error.code, error.message)))
    headers = dict(headers)
    headers["status"] = error.status
    return error.status, headers, body


def _s3_answer(error: WireError) -> Any:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{error.code}</Code><Message>{error.message}</Message>"
        "<RequestId>iacgen-local-fault</RequestId></Error>"
    )
    return error.status, {"content-type": "application/xml", "status": error.status}, body.encode()


def _s3_operation(response: Any, request: Any) -> str:
    try:
        from moto.core.routing import get_service_router

        operation, _ = get_service_router("s3").match(request)
        return str(operation.name)
    except Exception:
        return f"{getattr(request, 'method', 'GET')}Object"


_installed = False


def install() -> None:
    """Check every request against the fault rules before moto (or our extension) handles it (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.core.responses import BaseResponse
    from moto.s3.responses import S3Response

    original_call_action = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        if settings.faults:
            error = injector.decide(str(self.service_name or ""), str(self._get_action() or ""))
            if error is not None:
                return _query_answer(self, error)
        return original_call_action(self)

    BaseResponse.call_action = call_action

    def s3_hook(original: Any) -> Any:
        def handle(self: Any, request: Any, full_url: str, headers: Any) -> Any:
            if settings.faults:
                error = injector.decide("s3", _s3_operation(self, request))
                if error is not None:
                    return _s3_answer(error)
            return original(self, request, full_url, headers)

        handle.__name__ = original.__name__
        return handle

    S3Response.bucket_response = s3_hook(S3Response.bucket_response)
    S3Response.key_response = s3_hook(S3Response.key_response)
    _installed = True


# --- faults of a change set's life (state, not wire) ------------------------------------------------------


def _take(name: str) -> str:
    """A one-shot fault setting's value, cleared as it is used (like fail_next_scan)."""
    value = str(getattr(settings, name) or "")
    if value:
        setattr(settings, name, "")
    return value


def change_set_created(change_set: Any) -> None:
    """Under `fail_next_change_set`, the change set ends FAILED with that StatusReason, as the service's does
    when its asynchronous checks refuse the import (ExecutionStatus UNAVAILABLE: it cannot be executed)."""
    reason = _take("fail_next_change_set")
    if reason:
        change_set.status = "FAILED"
        change_set.status_reason = reason
        change_set.execution_status = "UNAVAILABLE"


def import_failures(planned: list[Any]) -> list[tuple[Any, str]]:
    """Under `fail_next_execute`, the first resource of the next import fails with that reason, so the
    execution rolls back (IMPORT_ROLLBACK_COMPLETE) and nothing is adopted."""
    reason = _take("fail_next_execute")
    return [(planned[0], reason)] if reason and planned else []
