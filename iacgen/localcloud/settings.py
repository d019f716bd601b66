"""How the local cloud behaves in time and under faults. Defaults keep tests fast; the demo and server can
slow it down to show progress. Every field can be set from the environment (IACGEN_LOCAL_<FIELD>, upper
case), so an out-of-process server is configured the same way as the in-process one."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields


@dataclass
class LocalCloudSettings:
    scan_seconds: float = 0.3  # how long a scan stays IN_PROGRESS
    template_seconds: float = 0.2  # how long a generated template stays in *_IN_PROGRESS
    change_set_seconds: float = 0.0  # how long an IMPORT change set stays CREATE_IN_PROGRESS
    daily_scan_quota: int = 10  # scans per account+Region per 24 h (the service's, under 10,000 resources)
    failed_scan_cooldown_seconds: float = 600.0  # the service's 10-minute cool-down after a failed scan
    max_scan_resources: int = 100_000  # a scan finding more ends FAILED, then a 24-hour cool-down
    large_scan_resources: int = 10_000  # after a scan finding more, the quota is 1 scan a day
    fail_next_scan: str = ""  # fault injection: the next scan ends FAILED with this StatusReason
    fail_resource_ids: str = ""  # fault injection: comma-separated identifier values whose generation FAILS
    fail_next_change_set: str = ""  # fault injection: the next IMPORT change set ends FAILED with this reason
    fail_next_execute: str = ""  # fault injection: the next import execution rolls back with this reason
    faults: str = ""  # per-operation faults, OPERATION=KIND[:RATE[:TIMES]],... (see faults.py)
    fault_seed: int = 0  # the seed of the random sequence that picks which calls a RATE fails
    logical_id_scheme: str = "current"  # "legacy": generated templates use the pre-mid-2025 logical-id scheme
    client_token_seconds: float = 3600.0  # how long a StartResourceScan ClientRequestToken returns its scan
    drift_seconds: float = 0.0  # how long a stack drift detection stays DETECTION_IN_PROGRESS
    clock: Callable[[], float] = field(default=time.time, repr=False)  # tests can move time forward

    @classmethod
    def from_env(cls) -> LocalCloudSettings:
        out = cls()
        for f in fields(cls):
            if f.name == "clock":
                continue
            name = f"IACGEN_LOCAL_{f.name.upper()}"
            raw = os.environ.get(name)
            if raw is None:
                continue
            current = getattr(out, f.name)
            try:
                setattr(out, f.name, type(current)(raw))
            except ValueError:
                # Read at import time, where an exception would be a traceback: say it and keep the default.
                sys.stderr.write(
                    f"iacgen local cloud: ignoring {name}={raw!r}: not a {type(current).__name__}; "
                    f"using {current!r}\n"
                )
        return out


settings = LocalCloudSettings.from_env()
revision = 0  # counts configure()/restore() calls: the fault injector starts afresh after each


def _changed() -> None:
    global revision
    revision += 1


def configure(**changes: object) -> LocalCloudSettings:
    """Change settings in this process (tests, the demo); returns the previous values for restoring."""
    previous = LocalCloudSettings(**{f.name: getattr(settings, f.name) for f in fields(LocalCloudSettings)})
    for name, value in changes.items():
        if not hasattr(settings, name):
            raise AttributeError(f"unknown local cloud setting {name!r}")
        setattr(settings, name, value)
    _changed()
    return previous


def restore(previous: LocalCloudSettings) -> None:
    for f in fields(LocalCloudSettings):
        setattr(settings, f.name, getattr(previous, f.name))
    _changed()
