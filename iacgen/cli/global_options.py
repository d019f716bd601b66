"""Global options accepted after the command too (`iacgen scans --output json`), as the AWS CLI accepts them:
they are moved in front of the command before parsing. An option the command (or one of its subcommands)
defines itself keeps its place and its meaning (`coverage --region`, `local serve --endpoint-url`), and so
does everything after `--`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

# typer (0.29) carries its own copy of click, so the commands and options are told apart by what they have


def _names(params: Iterable[Any]) -> dict[str, bool]:
    """Option name -> whether it takes a value (arguments have no `is_flag`)."""
    names: dict[str, bool] = {}
    for param in params:
        if hasattr(param, "is_flag"):
            takes_value = not param.is_flag and not param.count
            for name in (*param.opts, *param.secondary_opts):
                names[name] = takes_value
    return names


def _tree_names(command: Any, ctx: Any) -> dict[str, bool]:
    names = _names(command.params)
    names.update(dict.fromkeys(ctx.help_option_names, False))
    if hasattr(command, "list_commands"):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None:
                names.update(_tree_names(sub, ctx))
    return names


def _option(token: str, names: dict[str, bool]) -> tuple[str, bool] | None:
    """The option a token names, and whether its value is in the token (`--output=json`, `-ojson`)."""
    if not token.startswith("-") or token == "-":
        return None
    if token.startswith("--"):
        name, eq, _ = token.partition("=")
        return (name, bool(eq)) if name in names else None
    if token in names:
        return token, False
    short = token[:2]
    if names.get(short):  # a short option that takes a value, written together with it
        return short, True
    return None


def hoist(group: Any, ctx: Any, args: list[str]) -> list[str]:
    """`args` with the group's options that follow the command moved in front of it."""
    own = _names(group.params)
    index = 0
    while index < len(args):  # past the options already in front, to the command's name
        token = args[index]
        if token == "--" or not token.startswith("-"):
            break
        found = _option(token, own)
        index += 2 if found is not None and own[found[0]] and not found[1] else 1
    if index >= len(args) or args[index] == "--":
        return args
    command = group.get_command(ctx, args[index])
    if command is None:
        return args
    theirs = _tree_names(command, ctx)
    moved: list[str] = []
    kept: list[str] = []
    rest = iter(args[index + 1 :])
    for token in rest:
        if token == "--":
            kept += [token, *rest]
            break
        mine = _option(token, theirs)
        glob = None if mine is not None else _option(token, own)
        if glob is None:
            kept += _with_value(token, mine, theirs, rest)
        else:
            moved += _with_value(token, glob, own, rest)
    return [*args[:index], *moved, args[index], *kept]


def _with_value(
    token: str, option: tuple[str, bool] | None, names: dict[str, bool], rest: Iterator[str]
) -> list[str]:
    """The token, and the next one when it is the option's value."""
    if option is None or not names[option[0]] or option[1]:
        return [token]
    value = next(rest, None)
    return [token] if value is None else [token, value]
