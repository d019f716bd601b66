from __future__ import annotations


def install() -> None:
    """Placeholder until built."""
