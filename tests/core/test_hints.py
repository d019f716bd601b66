"""Hints raised by the core name options by what they do; the CLI words them as its flags."""

from __future__ import annotations

from typing import Any

import pytest

from iacgen.cli.flags import FLAGS
from iacgen.core.errors import Option, UsageError
from iacgen.core.workspace import check_overwrite


def test_a_core_hint_names_no_flag_and_the_cli_words_it(tmp_path: Any) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("Resources: {}\n")
    with pytest.raises(UsageError) as err:
        check_overwrite(mine, None, force=False)
    assert err.value.options == [Option.OUT, Option.FORCE]
    assert err.value.hint == "pass the out option another path, or the force option to overwrite it"
    assert err.value.hint_in(FLAGS) == "pass --out another path, or --force to overwrite it"
    assert err.value.hint_in({Option.OUT: "templates[].path"}) == (
        "pass templates[].path another path, or the force option to overwrite it"
    )


def test_every_option_a_core_hint_names_is_a_cli_flag() -> None:
    import re
    from pathlib import Path

    import iacgen.core

    named = set()
    for path in Path(iacgen.core.__file__).parent.rglob("*.py"):
        named |= set(re.findall(r"\{\{?opt:([a-z0-9_]+)\}", path.read_text()))
    assert named and named <= {o.value for o in Option}
    import typer

    from iacgen.cli.app import app

    flags = {
        opt
        for command in typer.main.get_command(app).commands.values()  # type: ignore[attr-defined]
        for param in command.params
        for opt in param.opts
    } | {opt for param in typer.main.get_command(app).params for opt in param.opts}
    missing = [FLAGS[Option(name)] for name in sorted(named) if FLAGS[Option(name)] not in flags]
    assert missing == []


def test_the_cli_prints_the_hint_with_its_flags(cli: Any, cloud: None) -> None:
    from pathlib import Path

    Path("net.yaml").write_text("Resources: {}\n")
    result = cli("generate", "net", "--select", "type=AWS::EC2::VPC")
    assert result.exit_code == 2
    assert "hint: pass --out another path, or --force to overwrite it" in result.stderr
