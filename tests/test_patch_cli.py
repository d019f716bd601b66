"""`iacgen patch` through the CLI: where the template goes, what it reports, and that bad input changes
nothing (exit 2, one error and a hint, the file untouched)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from iacgen.core.template import load_template
from iacgen.core.template_edits import patch_policies
from tests.core.test_template import (
    CRLF_YAML,
    GENERATED_YAML,
    HAND_YAML,
    JSON_4,
    JSON_TAB,
    assert_only_policy_lines,
    policies,
)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    os.utime(
        path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000)
    )  # an mtime a rewrite would change
    return path


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_default_writes_to_stdout_and_leaves_the_file_alone(cli: Any) -> None:
    src = write(Path("web.yaml"), HAND_YAML)
    before = snapshot(src)
    ids = ["Bucket", "Role", "Function"]  # not Table: its DeletionPolicy is an expression
    result = cli(
        "patch", "web.yaml", "--deletion-policy", "retain", *(a for i in ids for a in ("--resource", i))
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == patch_policies(HAND_YAML, deletion_policy="Retain", logical_ids=ids).text
    assert_only_policy_lines(HAND_YAML, result.stdout)
    assert snapshot(src) == before
    stderr = " ".join(result.stderr.split())  # rich wraps at the console width
    assert "web.yaml: 3 policy change(s) on 3 resource(s) -> stdout" in stderr
    assert "Role │ AWS::IAM::Role │ DeletionPolicy │ (none) -> Retain" in stderr
    assert "Bucket │ AWS::S3::Bucket │ DeletionPolicy │ retain -> Retain" in stderr
    assert "warning" not in stderr


def test_out_writes_the_file_and_json_reports_the_changes(cli: Any) -> None:
    src = write(Path("gen.yaml"), GENERATED_YAML)
    before = snapshot(src)
    Path("out").mkdir()  # --out writes into a directory that exists; it never creates one
    args = [
        "patch",
        "gen.yaml",
        "--deletion-policy",
        "DELETE",
        "--type",
        "AWS::EC2::*",
        "--out",
        "out/patched.yaml",
        "--allow-delete-policy",  # the volume is stateful
    ]
    result = cli("--output", "json", *args)
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["out"] == "out/patched.yaml" and report["in_place"] is False
    assert report["resources_changed"] == 4
    assert [(c["logical_id"], c["old"], c["new"]) for c in report["changed"]] == [
        ("EC2VPC00a1b2c3", "Retain", "Delete"),
        ("EC2Subnet00d4e5f6", None, "Delete"),
        ("EC2Instance0123456789", None, "Delete"),
        ("EC2Volume0aa", None, "Delete"),
    ]
    patched = Path("out/patched.yaml").read_text()
    assert_only_policy_lines(GENERATED_YAML, patched)
    assert snapshot(src) == before


def test_in_place_rewrites_and_a_second_run_does_not_touch_the_file(cli: Any) -> None:
    src = write(Path("t.json"), JSON_4)
    result = cli(
        "patch", "t.json", "--in-place", "--deletion-policy", "Retain", "--update-replace-policy", "delete"
    )
    assert result.exit_code == 0, result.stderr
    text = src.read_text()
    assert_only_policy_lines(JSON_4, text)
    assert json.loads(text)["Resources"]["EC2Volume0aa"]["DeletionPolicy"] == "Retain"
    assert '\n                "CidrBlock": "10.0.0.0/16",' in text  # 4-space indentation kept
    assert load_template(text).format == "json"
    before = snapshot(src)
    again = cli(
        "patch", "t.json", "--in-place", "--deletion-policy", "retain", "--update-replace-policy", "Delete"
    )
    assert again.exit_code == 0
    assert "no changes" in again.stderr
    assert snapshot(src) == before


def test_crlf_and_tab_json_patch_byte_exact(cli: Any) -> None:
    write(Path("crlf.yaml"), CRLF_YAML)
    write(Path("tab.json"), JSON_TAB)
    allow = "--allow-delete-policy"  # a bucket and a volume: stateful
    ids = ["Bucket", "Role", "Function"]  # not Table: its DeletionPolicy is an expression
    resources = [a for i in ids for a in ("--resource", i)]
    assert (
        cli("patch", "crlf.yaml", "--in-place", "--deletion-policy", "Delete", allow, *resources).exit_code
        == 0
    )
    assert cli("patch", "tab.json", "--in-place", "--deletion-policy", "Delete", allow).exit_code == 0
    crlf = Path("crlf.yaml").read_bytes().decode()
    assert crlf == patch_policies(CRLF_YAML, deletion_policy="Delete", logical_ids=ids).text
    assert crlf.count("\r\n") == crlf.count("\n")
    tab = Path("tab.json").read_text()
    assert '\n\t\t\t"DeletionPolicy": "Delete",\n' in tab
    assert_only_policy_lines(JSON_TAB, tab)


def test_stdin_to_stdout_and_to_out(cli: Any) -> None:
    result = cli("patch", "-", "--deletion-policy", "delete", "--allow-delete-policy", input=GENERATED_YAML)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == patch_policies(GENERATED_YAML, deletion_policy="Delete").text
    assert "<stdin>: 4 policy change(s)" in result.stderr
    to_file = cli(
        "-q", "patch", "-", "--update-replace-policy", "delete", "--out", "p.yaml", input=GENERATED_YAML
    )
    assert to_file.exit_code == 0 and to_file.stdout == "" and to_file.stderr == ""
    assert policies(Path("p.yaml").read_text())["EC2VPC00a1b2c3"] == ("Retain", "Delete")


def test_snapshot_on_supporting_types_only_with_type(cli: Any) -> None:
    write(Path("gen.yaml"), GENERATED_YAML)
    result = cli(
        "patch", "gen.yaml", "--deletion-policy", "snapshot", "--type", "AWS::EC2::Volume", "--out", "o.yaml"
    )
    assert result.exit_code == 0, result.stderr
    assert policies(Path("o.yaml").read_text())["EC2Volume0aa"] == ("Snapshot", None)
    assert policies(Path("o.yaml").read_text())["EC2Subnet00d4e5f6"] == (None, None)


def test_resource_patches_only_the_named_resources_and_combines_with_type(cli: Any) -> None:
    src = write(Path("gen.yaml"), GENERATED_YAML)
    args = ["patch", "gen.yaml", "--deletion-policy", "Retain", "--in-place"]
    result = cli("-o", "json", *args, "--resource", "EC2Volume0aa", "--resource", "EC2Subnet00d4e5f6")
    assert result.exit_code == 0, result.stderr
    assert [c["logical_id"] for c in result.json()["changed"]] == ["EC2Subnet00d4e5f6", "EC2Volume0aa"]
    text = src.read_text()
    assert_only_policy_lines(GENERATED_YAML, text)
    assert policies(text)["EC2Instance0123456789"] == (None, None)
    both = cli("-o", "json", *args, "--type", "AWS::EC2::Instance", "--resource", "EC2Instance0123456789")
    assert both.exit_code == 0, both.stderr
    assert [c["logical_id"] for c in both.json()["changed"]] == ["EC2Instance0123456789"]
    assert policies(src.read_text())["EC2Instance0123456789"] == ("Retain", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml", "--deletion-policy", "Retain"], "missing.yaml: no such file"),
        (
            ["bad.yaml", "--in-place", "--deletion-policy", "Retain"],
            "bad.yaml:4:1: not valid YAML: expected ',' or ']', but got '<stream end>'"
            " (while parsing a flow sequence at 3:11)",
        ),
        (["bad.json", "--in-place", "--deletion-policy", "Retain"], "bad.json:2:17: not valid JSON"),
        (["t.yaml", "--in-place", "--deletion-policy", "keep"], "'keep' is not a valid DeletionPolicy"),
        (
            ["t.yaml", "--in-place", "--update-replace-policy", "RetainExceptOnCreate"],
            "not a valid UpdateReplacePolicy",
        ),
        (
            ["t.yaml", "--in-place", "--deletion-policy", "Snapshot"],
            "t.yaml:11: Snapshot is not supported by EC2VPC00a1b2c3",
        ),
        (
            ["t.yaml", "--in-place", "--deletion-policy", "Retain", "--type", "AWS::RDS::*"],
            "'AWS::RDS::*' matches no resource",
        ),
        (["t.yaml", "--in-place"], "patch needs something to change"),
        (
            [
                "t.yaml",
                "--in-place",
                "--deletion-policy",
                "Retain",
                "--resource",
                "EC2Volume0aa",
                "--resource",
                "Nope",
            ],
            "t.yaml: no resource with logical id 'Nope'",
        ),
        (
            [
                "t.yaml",
                "--in-place",
                "--deletion-policy",
                "Retain",
                "--type",
                "AWS::EC2::VPC",
                "--resource",
                "EC2Volume0aa",
            ],
            "EC2Volume0aa is of type AWS::EC2::Volume, which no type glob matches",
        ),
        (["t.yaml", "--deletion-policy", "Retain", "--out", "./t.yaml"], "is the template itself"),
        (["t.yaml", "--deletion-policy", "Retain", "--out", "o.yaml", "--in-place"], "exclude each other"),
        (["-", "--deletion-policy", "Retain", "--in-place"], "--in-place needs a template file"),
        (["notutf8.yaml", "--deletion-policy", "Retain"], "notutf8.yaml: not UTF-8 text"),
        (["adir", "--deletion-policy", "Retain"], "adir: is a directory"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(cli: Any, args: list[str], message: str) -> None:
    files = {
        "t.yaml": write(Path("t.yaml"), GENERATED_YAML),
        "bad.yaml": write(Path("bad.yaml"), "Resources:\n  B:\n    Type: [x\n"),
        "bad.json": write(Path("bad.json"), '{\n  "Resources": {,}\n}\n'),
    }
    Path("notutf8.yaml").write_bytes(b"Resources:\n  B:\n    Type: \xff\n")
    Path("adir").mkdir()
    before = {name: snapshot(path) for name, path in files.items()}
    result = cli("patch", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    error, _, hint = " ".join(result.stderr.split()).partition(" hint: ")  # rich wraps at the console width
    assert error.startswith("error: ") and message in error, result.stderr
    assert hint and "error:" not in hint
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert {name: snapshot(path) for name, path in files.items()} == before
    assert sorted(p.name for p in Path().iterdir()) == [
        "adir",
        "bad.json",
        "bad.yaml",
        "notutf8.yaml",
        "t.yaml",
    ]


# --- YAML anchors, aliases and merge keys: exactly the resource asked for changes, the rest means the same

ANCHORED = """---
Resources:
  EC2SubnetSub1:
    UpdateReplacePolicy: &ret "Retain"
    Type: "AWS::EC2::Subnet"
    DeletionPolicy: "Retain"
    Properties:
      CidrBlock: "10.0.1.0/24"
  EC2SubnetSub2:
    UpdateReplacePolicy: *ret
    Type: "AWS::EC2::Subnet"
    DeletionPolicy: "Retain"
    Properties:
      CidrBlock: "10.0.2.0/24"
"""


@pytest.mark.parametrize(
    ("selection", "sub1", "sub2"),
    [
        # the anchored value changes; the alias elsewhere keeps the old value, now written out
        (["--resource", "EC2SubnetSub1"], '&ret "Delete"', '"Retain"'),
        # the alias is replaced by the new value; the anchor and what it means stay
        (["--resource", "EC2SubnetSub2"], '&ret "Retain"', '"Delete"'),
        (["--type", "AWS::EC2::Subnet"], '&ret "Delete"', '"Delete"'),
    ],
)
def test_an_anchored_or_aliased_policy_changes_only_the_resource_asked_for(
    cli: Any, selection: list[str], sub1: str, sub2: str
) -> None:
    src = write(Path("anch.yaml"), ANCHORED)
    result = cli("patch", "anch.yaml", "--update-replace-policy", "Delete", *selection, "--in-place")
    assert result.exit_code == 0, result.stderr
    assert src.read_text() == ANCHORED.replace('&ret "Retain"', sub1).replace("*ret", sub2)
    if sub2 == '"Retain"':  # an alias written out is said, with where
        assert '*ret at line 10 (in EC2SubnetSub2) written out as "Retain"' in " ".join(result.stderr.split())


def test_a_resource_whose_body_another_aliases_is_refused_unless_both_are_patched(cli: Any) -> None:
    text = (
        "Resources:\n"
        "  A: &q\n    Type: AWS::SNS::Topic\n    Properties: {}\n"
        "  B: *q\n"
        "  C:\n    Type: AWS::SNS::Topic\n"
    )
    src = write(Path("t.yaml"), text)
    before = snapshot(src)
    for lid, other in (("A", "B"), ("B", "A")):
        refused = cli("patch", "t.yaml", "--deletion-policy", "Retain", "--resource", lid, "--in-place")
        assert refused.exit_code == 2, refused.stderr
        error = " ".join(refused.stderr.split())
        assert f"error: t.yaml: {lid} and {other} are one body (YAML anchor &q)" in error, error
        assert f"--resource {other}" in error
        assert snapshot(src) == before
    both = cli(
        "patch", "t.yaml", "--deletion-policy", "Retain", "--resource", "A", "--resource", "B", "--in-place"
    )
    assert both.exit_code == 0, both.stderr
    assert src.read_text() == text.replace(
        "  A: &q\n    Type: AWS::SNS::Topic\n",
        "  A: &q\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Retain\n",
    )


def test_an_aliased_properties_block_does_not_carry_a_policy_to_the_other_resource(cli: Any) -> None:
    text = (
        "Resources:\n"
        "  A:\n    Type: AWS::SNS::Topic\n    Properties: &p\n      TopicName: t\n"
        "  B:\n    Type: AWS::SNS::Topic\n    Properties: *p\n"
    )
    src = write(Path("t.yaml"), text)
    result = cli("patch", "t.yaml", "--deletion-policy", "Retain", "--resource", "A", "--in-place")
    assert result.exit_code == 0, result.stderr
    assert src.read_text() == text.replace(
        "  A:\n    Type: AWS::SNS::Topic\n", "  A:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Retain\n"
    )
    assert policies(src.read_text())["B"] == (None, None)


MERGED = (
    "Resources:\n"
    "  Base: &base\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Retain\n"
    "  Child:\n    <<: *base\n    Properties: {}\n"
)


def test_a_policy_from_a_merge_key_is_overridden_in_the_resource_never_at_its_source(cli: Any) -> None:
    src = write(Path("t.yaml"), MERGED)
    result = cli("patch", "t.yaml", "--deletion-policy", "Delete", "--resource", "Child", "--in-place")
    assert result.exit_code == 0, result.stderr
    # Child's own key wins over the merged one; Base keeps its line
    assert src.read_text() == MERGED.replace("    <<: *base\n", "    DeletionPolicy: Delete\n    <<: *base\n")
    assert policies(src.read_text()) == {"Base": ("Retain", None), "Child": ("Delete", None)}


def test_patching_a_merge_keys_source_is_refused_while_a_resource_inherits_from_it(cli: Any) -> None:
    src = write(Path("t.yaml"), MERGED)
    before = snapshot(src)
    refused = cli("patch", "t.yaml", "--deletion-policy", "Delete", "--resource", "Base", "--in-place")
    assert refused.exit_code == 2, refused.stderr
    error = " ".join(refused.stderr.split())
    assert "error: t.yaml: Child takes DeletionPolicy from Base through a YAML merge key (<<: *base)" in error
    assert snapshot(src) == before
    both = cli("patch", "t.yaml", "--deletion-policy", "Delete", "--in-place")
    assert both.exit_code == 0, both.stderr
    assert policies(src.read_text()) == {"Base": ("Delete", None), "Child": ("Delete", None)}


# --- a requested change is applied, or the patch fails: exit 0 never hides a resource left as it was

FOLDED = "Resources:\n  Q:\n    Type: >-\n      AWS::SQS::Queue\n    Properties: {}\n"


def test_a_type_written_as_a_block_scalar_gets_the_policy_line_before_it(cli: Any) -> None:
    src = write(Path("t.yaml"), FOLDED)
    result = cli(
        "patch", "t.yaml", "--deletion-policy", "Retain", "--update-replace-policy", "Retain", "--in-place"
    )
    assert result.exit_code == 0, result.stderr
    assert src.read_text() == FOLDED.replace(
        "    Type: >-\n", "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Type: >-\n"
    )
    assert "warning" not in result.stderr


def test_a_policy_written_as_a_block_scalar_is_replaced_by_a_plain_value(cli: Any) -> None:
    text = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "    DeletionPolicy: |\n      Delete\n\n    Properties: {}\n"
    )
    src = write(Path("t.yaml"), text)
    result = cli("patch", "t.yaml", "--deletion-policy", "Retain", "--in-place")
    assert result.exit_code == 0, result.stderr
    assert src.read_text() == text.replace("DeletionPolicy: |\n      Delete\n", "DeletionPolicy: Retain\n")


EXPLICIT_KEYS = "Resources:\n  Q:\n    ? Type\n    : AWS::SQS::Queue\n"
EXPRESSION = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: !If [C, Retain, Delete]\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (EXPLICIT_KEYS, "t.yaml: cannot add DeletionPolicy to Q: its keys do not start their own lines"),
        (EXPRESSION, "t.yaml: T's DeletionPolicy is an expression (!If [C, Retain, Delete]), which patch"),
    ],
)
@pytest.mark.parametrize("where", [["--in-place"], ["--out", "o.yaml"], []])
def test_a_change_that_cannot_be_made_fails_and_writes_nothing(
    cli: Any, text: str, message: str, where: list[str]
) -> None:
    src = write(Path("t.yaml"), text)
    before = snapshot(src)
    result = cli("patch", "t.yaml", "--deletion-policy", "Retain", *where)
    assert result.exit_code == 2, result.stderr
    error, _, hint = " ".join(result.stderr.split()).partition(" hint: ")
    assert error == f"error: {message}" or error.startswith(f"error: {message}"), error
    assert "nothing was written" in hint and "bug" not in hint
    assert result.stdout == "" and snapshot(src) == before
    assert sorted(p.name for p in Path().iterdir()) == ["t.yaml"]


def test_out_into_a_directory_that_does_not_exist_is_refused_and_creates_nothing(cli: Any) -> None:
    src = write(Path("t.yaml"), GENERATED_YAML)
    before = snapshot(src)
    target = Path.cwd() / "nonexistent" / "dir" / "x.yaml"  # absolute, as in `--out /nonexistent/dir/x.yaml`
    result = cli("patch", "t.yaml", "--deletion-policy", "Retain", "--out", str(target))
    assert result.exit_code == 2, result.stderr
    error, _, hint = " ".join(result.stderr.split()).partition(" hint: ")
    assert error == f"error: directory {target.parent} does not exist, so {target} cannot be written"
    assert hint == f"create it first (mkdir -p {target.parent}), or give another path"
    assert snapshot(src) == before and sorted(p.name for p in Path().iterdir()) == ["t.yaml"]
