"""Optional parts of the install: the local cloud (`iacgen local ...`, `iacgen demo`) needs the `local` extra.

`pip install iacgen` is what a real account needs; moto and its web server come only with `iacgen[local]`.
Checked with find_spec (no import), so `iacgen --help` stays fast and a lean install fails with one line."""

from __future__ import annotations

from importlib.util import find_spec

LOCAL_EXTRA_INSTALL = "pip install 'iacgen[local]'"
# What the local cloud imports that the product does not: moto, and the web server it serves with.
LOCAL_MODULES = ("moto", "flask", "werkzeug")


def missing_local_modules() -> list[str]:
    return [name for name in LOCAL_MODULES if find_spec(name) is None]


def require_local(command: str) -> None:
    """Raise a usage error (exit 2) naming the install command when the local extra is not installed."""
    missing = missing_local_modules()
    if missing:
        from iacgen.core.errors import UsageError

        raise UsageError(
            f"{command} needs the local cloud, which is not installed (missing: {', '.join(missing)})",
            f"install it with: {LOCAL_EXTRA_INSTALL}",
        )
