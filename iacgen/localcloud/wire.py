"""What the operations the local cloud puts on moto's CloudFormationResponse share: one lock, the caller's
account and Region, hand-made paging, and a fast clean error for the operations neither moto nor we emulate.

The lock: `iacgen local serve` answers each request on its own werkzeug thread, and scans, templates and
change sets are advanced lazily from the clock whenever they are looked at. Without one lock around every
operation we add, two concurrent StartResourceScan calls could both find no scan running and both start one,
or two readers could advance the same template job twice.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from moto.cloudformation.exceptions import CloudFormationError

from iacgen.localcloud.errors import ValidationError, constraint

LOCK = threading.RLock()
DEFAULT_MAX_PAGE = 100
_TOKEN_PREFIX = "iacgen-page"


def where(response: Any) -> tuple[str, str]:
    """(account, Region) of the request a moto response object is handling; a Region the account has not
    opted in to is refused first, as the service does."""
    from iacgen.localcloud.accounts import require_enabled

    require_enabled(str(response.region), str(response.current_account))
    return str(response.current_account), str(response.region)


def serialised(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The operation, holding LOCK while it runs."""

    @functools.wraps(method)
    def locked(self: Any) -> Any:
        with LOCK:
            return method(self)

    return locked


def install_operations(operations: Mapping[str, Callable[[Any], Any]]) -> None:
    """Make each operation a method of moto's CloudFormationResponse (in-process and server alike), under
    LOCK. Idempotent: an operation already installed is left as it is."""
    from moto.cloudformation.responses import CloudFormationResponse

    for name, method in operations.items():
        if getattr(getattr(CloudFormationResponse, name, None), "__wrapped__", None) is method:
            continue
        setattr(CloudFormationResponse, name, serialised(method))


# --- paging ------------------------------------------------------------------------------------------------


def page_size(value: Any, default: int, maximum: int = DEFAULT_MAX_PAGE) -> int:
    """MaxResults, checked like the service (botocore only checks the minimum)."""
    if value is None:
        return default
    size = int(value)
    if not 1 <= size <= maximum:
        raise constraint("maxResults", f"have value between 1 and {maximum}", size)
    return size


def encode_token(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}:{position}".encode()).decode()


def decode_token(token: str) -> int:
    """The position a NextToken carries; a token we did not issue is a ValidationError, as on the service."""
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        position = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Invalid NextToken: {token[:64]}") from exc
    if prefix != _TOKEN_PREFIX or position < 0:
        raise ValidationError(f"Invalid NextToken: {token[:64]}")
    return position


def page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    """One page of a list that does not change between calls (a scan's frozen snapshot)."""
    offset = decode_token(token) if token else 0
    end = offset + size
    return items[offset:end], (encode_token(end) if end < len(items) else None)


def with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        result["NextToken"] = token
    return result


# --- operations nobody emulates ---------------------------------------------------------------------------


class NotEmulated(CloudFormationError):
    """HTTP 400, so botocore and the AWS CLI report it at once: moto's HTTP 500 for an unknown action makes a
    server-mode client retry for seconds and then report a parse error."""

    code = "NotImplemented"


def _not_emulated(operation: str) -> Callable[[Any], Any]:
    def refuse(self: Any) -> Any:
        raise NotEmulated(f"{operation} is not emulated by the iacgen local cloud")

    refuse.__name__ = operation
    return refuse


def install_not_emulated() -> None:
    """Every CloudFormation operation of botocore's model that moto's CloudFormationResponse lacks answers
    NotEmulated instead of a NotImplementedError (HTTP 500 in server mode)."""
    import warnings

    import botocore.session
    from botocore import xform_name
    from moto.cloudformation.responses import CloudFormationResponse

    # moto warns that the code matches no modelled error shape: it is meant not to
    warnings.filterwarnings("ignore", message=r"Exception\(NotEmulated\)", category=UserWarning)

    model = botocore.session.get_session().get_service_model("cloudformation")
    for operation in model.operation_names:
        name = xform_name(operation)
        if not hasattr(CloudFormationResponse, name):
            setattr(CloudFormationResponse, name, _not_emulated(operation))
