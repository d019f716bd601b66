"""The conventions of a CLI: --version, shell completion, NO_COLOR on a real terminal, unknown Regions, the
local extra's absence reported in one line."""

from __future__ import annotations

import ast
import itertools
import os
import re
import select
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

import iacgen

ROOT = Path(iacgen.__file__).parent
ESCAPE = re.compile(rb"\x1b")


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TERM"] = "xterm-256color"
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _on_pty(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, bytes]:
    """Run iacgen with stdin, stdout and stderr on a pseudo-terminal (100 columns), as a shell would."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "iacgen", *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout  # a safety net only: the loop ends when the child closes the pty
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every slave end is closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(timeout=60), b"".join(chunks)


def test_version_is_the_packages(cli: Any) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"iacgen {version('iacgen')}\n"
    assert version("iacgen") == iacgen.__version__


def test_bash_completion_completes_commands_and_choices(tmp_path: Path) -> None:
    """The script --show-completion prints, sourced into a real bash, completes what a user types."""
    script = (
        'eval "$(iacgen --show-completion)"\n'
        "complete -p iacgen\n"
        "COMP_WORDS=(iacgen sc); COMP_CWORD=1; _iacgen_completion iacgen\n"
        'echo "commands: ${COMPREPLY[*]}"\n'
        "COMP_WORDS=(iacgen generate ws --deletion-policy ''); COMP_CWORD=4; _iacgen_completion iacgen\n"
        'echo "policies: ${COMPREPLY[*]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "complete -o default -F _iacgen_completion iacgen"
    assert "commands: scan scans" in lines
    assert "policies: DELETE RETAIN" in lines


def test_no_color_means_no_escape_code_on_a_terminal(tmp_path: Path) -> None:
    """The whole demo (narration, progress, tables, the proof) on a pseudo-terminal under NO_COLOR=1: not one
    escape code, bold, dim and italic included. Without NO_COLOR the same terminal gets styles."""
    home = str(tmp_path / "home")
    code, styled = _on_pty(["local", "status"], _env(NO_COLOR=None, IACGEN_HOME=home))
    assert code == 0
    assert b"\x1b[3m" in styled or b"\x1b[1m" in styled  # the control: styles reach a terminal

    code, plain = _on_pty(["--no-color", "local", "status"], _env(NO_COLOR=None, IACGEN_HOME=home))
    assert code == 0 and b"running" in plain
    assert not ESCAPE.search(plain), plain

    code, error = _on_pty(["--local", "scans"], _env(NO_COLOR="1", IACGEN_HOME=home))
    assert code == 2
    assert b"error: --local: no local cloud is running" in error
    assert not ESCAPE.search(error), error

    workdir = tmp_path / "demo"
    code, demo = _on_pty(["demo", "--pace", "0", "--dir", str(workdir)], _env(NO_COLOR="1", IACGEN_HOME=home))
    assert code == 0, demo.decode(errors="replace")[-2000:]
    assert b"No resource count changed" in demo
    found = ESCAPE.search(demo)
    assert found is None, demo[max(0, found.start() - 200) : found.start() + 50]


def test_an_unknown_region_is_named_as_such(cli: Any) -> None:
    result = cli("--region", "nowhere-1", "scans")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: unknown AWS Region 'nowhere-1'"
    assert "cannot reach" not in result.stderr

    typo = cli("--region", "us-east1", "scans")
    assert typo.exit_code == 2
    assert "did you mean us-east-1?" in typo.stderr


def test_regions_are_botocores_partitions() -> None:
    from iacgen.core.regions import partition_of

    assert partition_of("eu-west-1") == "aws"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    assert partition_of("ap-southeast-9") == "aws"  # newer than botocore's list, in AWS's pattern: allowed
    assert partition_of("nowhere-1") is None
    assert partition_of("aws-global") is None  # an endpoint, not a Region


def _without_local_extra(*args: str) -> subprocess.CompletedProcess[str]:
    """iacgen in a process where moto cannot be imported, as after `pip install iacgen` without the extra."""
    code = (
        "import sys\n"
        "sys.modules['moto'] = None\n"  # import moto -> ImportError; find_spec('moto') -> None
        "from iacgen.cli.app import main\n"
        f"sys.argv = ['iacgen', *{list(args)!r}]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120
    )


@pytest.mark.parametrize("command", [["local", "start"], ["local", "seed", "workshop"], ["demo"]])
def test_the_local_cloud_without_its_extra_is_one_line_and_exit_2(command: list[str]) -> None:
    done = _without_local_extra(*command)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == (
        f"error: iacgen {' '.join(command[:2] if command[0] == 'local' else command)} needs the local cloud, "
        "which is not installed (missing: moto)"
    )
    assert lines[1] == "hint: install it with: pip install 'iacgen[local]'"
    assert "Traceback" not in done.stderr


def test_the_product_runs_without_the_local_extra() -> None:
    assert _without_local_extra("scan", "--help").returncode == 0
    local = _without_local_extra("--local", "scans")  # reads the record only: no moto needed to say so
    assert local.returncode == 2 and "no local cloud is running" in local.stderr


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every module a file imports, with whether the import is at module level."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in top))
    return found


def test_only_the_local_cloud_and_its_two_commands_import_moto() -> None:
    lazy_only = {ROOT / "cli" / "local.py", ROOT / "cli" / "demo.py"}
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if (ROOT / "localcloud") in path.parents:
            continue
        for module, top_level in _imports(path):
            if module.split(".")[0] != "moto":
                continue
            if path not in lazy_only or top_level:
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []
    # and the two commands reach the local cloud only from inside their functions
    for path in lazy_only:
        assert not [m for m, top in _imports(path) if top and m.startswith("iacgen.localcloud")], path


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and group in the tree, as the words a user types."""
    import typer

    from iacgen.cli.app import app

    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


# NAME, KEY=VALUE, TYPE[,TYPE], or a choice list a|b
PLACEHOLDER = re.compile(
    r"^[A-Z][A-Z0-9_]*([=,][A-Z][A-Z0-9_]*)*(\[,[A-Z_]+\])?(\.\.\.)?$|^[\w-]+(\|[\w-]+)+$"
)


def test_help_has_one_placeholder_style_and_summaries_that_fit(cli: Any) -> None:
    """Every command's help, others' included: placeholders are UPPERCASE words or a|b choices, never typer's
    {NAME}, <path> or NAME <str>; every summary in a command list is whole (no '...') at 80 columns."""
    paths = _command_paths()
    assert ("local", "seed") in paths and ("generate",) in paths
    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        text = result.stdout
        usage = text.splitlines()[0]
        assert usage.startswith("Usage: iacgen"), (path, usage)
        assert not re.search(r"[{}<>]", usage), (path, usage)
        for word in usage.split()[2 + len(path) :]:
            if word not in ("[OPTIONS]", "COMMAND", "[ARGS]..."):
                assert PLACEHOLDER.match(word.strip("[]")), (path, word)
        section = ""
        for line in text.splitlines():
            if line and not line.startswith(" "):
                section = line
                continue
            option = re.match(r"^  (?:-\w, )?(--[\w-]+)(?: / --[\w-]+)? (\S+)  ", line)
            if section == "Options:" and option:
                assert PLACEHOLDER.match(option.group(2)), (path, line)
            if section == "Options:" or section == "Arguments:":
                assert not re.search(r"<\w[\w ]*>|\{\w+\}", line), (path, line)
            if section == "Commands:" and line.strip():
                assert not line.rstrip().endswith("..."), (path, line)


def test_every_command_that_prints_a_result_prints_json_on_stdout(cli: Any, workshop: Any) -> None:
    """Under --output json stdout is one JSON document and nothing else (progress and narration go to stderr),
    patch included when the template goes to a file: its changes. demo and local start/seed/stop are checked
    in test_demo, test_package and tests/localcloud/test_server."""
    import json

    def run(*args: str) -> Any:
        result = cli("-o", "json", *args)
        assert result.exit_code == 0, (args, result.stderr)
        return json.loads(result.stdout)

    vpc = workshop.vpc_id
    assert run("scan")["total"] >= 7
    assert run("scans")[0]["status"] == "COMPLETE"
    assert vpc in json.dumps(run("resources")["resources"])
    generated = run("generate", "ws", "--select", "tag:Name=workshop", "--related")
    assert generated["template_path"] == "ws.yaml"
    assert run("warnings", "ws")["name"] == "ws"
    patch_args = ("ws.yaml", "--deletion-policy", "Delete", "--type", "AWS::EC2::Subnet", "--out", "p.yaml")
    patched = run("patch", *patch_args)
    assert patched["out"] == "p.yaml" and [c["type"] for c in patched["changed"]] == ["AWS::EC2::Subnet"]
    to_stdout = run("patch", "ws.yaml", "--update-replace-policy", "Delete", "--type", "AWS::EC2::Subnet")
    assert to_stdout["out"] is None and 'UpdateReplacePolicy: "Delete"' in to_stdout["text"]
    dry = run(
        "import", "--stack", "ws", "--template", "p.yaml", "--resources", "ws.resources.json", "--dry-run"
    )
    assert vpc in json.dumps(dry)
    assert run("init")["path"] == "iacgen.yaml"  # from the last generate here
    checked = run("ci")
    assert checked["verdict"] == "pass" and checked["templates"][0]["name"] == "ws"
    assert "cloudformation:CreateChangeSet" in json.dumps(run("iam-policy", "--command", "ci"))
    assert run("coverage")["totals"]["overall"]["found"] >= 7
    assert run("local", "status")["running"] is False


BOX = re.compile(r"[│┃┆|]")


def test_at_60_columns_no_identifier_is_broken_inside_a_word(
    cli: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole workflow's tables and lists in a 60-column terminal: every line of them fits, and every type,
    id and logical id is whole on a line or broken only after '::'. Narration (stderr) is one soft-wrapped
    line per message, so an ARN in it is never cut either."""
    import json

    monkeypatch.setenv("COLUMNS", "60")
    shown: list[str] = []
    laid_out: list[str] = []

    def run(*args: str) -> Any:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        shown.extend((result.stdout + result.stderr).splitlines())
        laid_out.extend(
            result.stdout.splitlines()
        )  # narration on stderr is one line per message, soft-wrapped
        laid_out.extend(line for line in result.stderr.splitlines() if BOX.search(line))
        return result

    run("scan")
    run("scans")
    run("resources")
    run("generate", "ws", "--select", "tag:Name=workshop", "--related")
    run("warnings", "ws")
    run("patch", "ws.yaml", "--deletion-policy", "Delete", "--type", "AWS::EC2::Subnet", "--out", "p.yaml")
    run("import", "--stack", "ws", "--template", "p.yaml", "--resources", "ws.resources.json", "--dry-run")
    covered = run("coverage").stdout
    assert "123456789012" in covered and "us-east-1" in covered  # the account and Region whole
    resources = json.loads(cli("-o", "json", "resources").stdout)["resources"]
    generated = json.loads(Path("ws.resources.json").read_text())

    tokens = {r["type"] for r in resources} | set(workshop.to_dict().values())
    tokens |= {r["LogicalResourceId"] for r in generated}
    assert any(t.startswith("AWS::EC2::SubnetRouteTableAssociation") for t in tokens)
    too_wide = [line for line in laid_out if len(line) > 60]
    assert too_wide == []
    # broken: a line ends a cell with a token's start and the next line goes on with the rest of it
    split = [[w.strip(",") for w in BOX.sub(" ", line).split()] for line in shown]
    broken = sorted(
        {
            (t, w)
            for here, after in itertools.pairwise(split)
            for w in here
            for t in tokens
            if w != t
            and t.startswith(w)
            and not w.endswith("::")
            and any(n and t[len(w) :].startswith(n) for n in after)
        }
    )
    assert broken == []
    words = {w for line in split for w in line}
    for t in tokens:  # each is shown: whole, or its last '::' part on the line after the first
        assert t in words or t.rsplit("::", 1)[-1] in words, t
