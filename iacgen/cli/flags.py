"""The CLI's words for the options core hints point at (core.errors.Option): its flags."""

from __future__ import annotations

from iacgen.core.errors import Option

FLAGS: dict[Option, str] = {option: "--" + option.value.replace("_", "-") for option in Option}
