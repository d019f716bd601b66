"""Help and usage in one style for every command, including ones added later: placeholders are UPPERCASE words
(NAME, PATH, EXPR), choices are listed as a|b, required arguments are bare and optional ones in brackets.

typer's own defaults mix `{NAME}` (required arguments), `NAME <str>`, `<path>` and `<float range>`; the root
group applies it to the whole command tree once, when typer builds it, so no command has to remember."""

from __future__ import annotations

from typing import Any

from typer import _click
from typer.core import TyperArgument, TyperOption


def _choices(param: TyperArgument | TyperOption, ctx: _click.Context) -> str | None:
    """`a|b` for a choice (typer writes `<a|b>`), None for anything else."""
    if not param.type_descriptor.is_choice:
        return None
    shown = param.display_type(ctx)
    return shown.strip("<>") if shown else None


class Argument(TyperArgument):
    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return _choices(self, ctx)  # the name is the placeholder; only a choice list says more


class Option(TyperOption):
    def display_type_rich(self, ctx: _click.Context) -> str | None:
        if self.metavar is not None:
            return self.metavar
        return _choices(self, ctx) or (self.name or "value").upper()


SUMMARY_MAX = 55  # what a command list shows whole at 80 columns beside the longest command name


def summary(help_text: str) -> str | None:
    """A short summary for a command whose first sentence is too long for the command list (click would cut
    it with '...'): that sentence up to its first clause break that fits; None when it fits already, or when
    no break does (the test of this module then asks for a shorter first sentence)."""
    first = help_text.strip().split("\n\n")[0].replace("\n", " ")
    first = first.split(". ")[0].rstrip(".")
    if len(first) <= SUMMARY_MAX:
        return None
    for cut in (": ", "; ", " (", ", ", " -- "):
        at = first.find(cut)
        if 0 < at <= SUMMARY_MAX:
            return first[:at] + "."
    return None


def apply(command: _click.Command) -> None:
    """Give every parameter of `command` and its subcommands this module's style (in place)."""
    if command.help and not command.short_help:
        command.short_help = summary(command.help)
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = Argument
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
        elif type(param) is TyperOption:
            param.__class__ = Option
    subcommands: dict[str, Any] = getattr(command, "commands", {})
    for sub in subcommands.values():
        apply(sub)
