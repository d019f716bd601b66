"""The iacgen.yaml manifest: a full manifest reads back as typed values; every bad one is a UsageError
(exit 2) that names the key's path, the line, and what was expected."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from iacgen.core.errors import EXIT_USAGE, UsageError
from iacgen.core.manifest import (
    EnvParameter,
    Format,
    ScanPolicy,
    StackMode,
    key_path,
    load_manifest,
    parse_manifest,
    resolve_parameter,
)

FULL = """\
version: 1
region: eu-west-1
profile: ci
endpoint: http://127.0.0.1:5000
scan:
  policy: reuse
  max_age: 7d
  types: [AWS::EC2::*, AWS::S3::Bucket]
templates:
  - name: workshop
    select: ["tag:Name=workshop", "type=AWS::EC2::KeyPair"]
    exclude: ["type=AWS::EC2::Route"]
    related: true
    depth: 2
    format: json
    path: infra/workshop.json
    policies:
      deletion: delete
      update_replace: RETAIN
      retain_vpc_defaults: false
      overrides:
        - {type: "AWS::EC2::KeyPair", deletion: retain}
        - {logical_id: EC2VPC, deletion: retain_except_on_create, update_replace: delete}
    stack: {name: workshop-prod, mode: existing}
    parameters:
      Password: {env: DB_PASSWORD}
      Literal: plain
      FromSsm: "{{resolve:ssm:/app/key}}"
      FromSecret: "{{resolve:secretsmanager:prod/db:SecretString:password}}"
      Port: 5432
    s3_bucket: my-bodies
    fail_on: [unsupported_properties, drift]
  - name: other
    select: [type=AWS::S3::Bucket]
"""


def test_a_full_manifest_reads_back_as_typed_values() -> None:
    m = parse_manifest(FULL)
    assert (m.region, m.profile, m.endpoint) == ("eu-west-1", "ci", "http://127.0.0.1:5000")
    assert m.scan.policy is ScanPolicy.REUSE
    assert m.scan.max_age == timedelta(days=7)
    assert m.scan.types == ["AWS::EC2::*", "AWS::S3::Bucket"]
    t = m.templates[0]
    assert t.select == ["tag:Name=workshop", "type=AWS::EC2::KeyPair"]
    assert t.exclude == ["type=AWS::EC2::Route"]
    assert (t.related, t.depth, t.format) == (True, 2, Format.JSON)
    assert t.template_path == Path("infra/workshop.json")
    assert (t.policies.deletion, t.policies.update_replace, t.policies.retain_vpc_defaults) == (
        "DELETE",
        "RETAIN",
        False,
    )
    first, second = t.policies.overrides
    assert (first.type, first.deletion, first.update_replace) == ("AWS::EC2::KeyPair", "Retain", None)
    assert (second.logical_id, second.deletion, second.update_replace) == (
        "EC2VPC",
        "RetainExceptOnCreate",
        "Delete",
    )
    assert (t.stack_name, t.stack.mode) == ("workshop-prod", StackMode.EXISTING)
    assert t.parameters == {
        "Password": EnvParameter(env="DB_PASSWORD"),
        "Literal": "plain",
        "FromSsm": "{{resolve:ssm:/app/key}}",
        "FromSecret": "{{resolve:secretsmanager:prod/db:SecretString:password}}",
        "Port": "5432",
    }
    assert t.s3_bucket == "my-bodies"
    assert t.fail_on_warnings == {"UNSUPPORTED_PROPERTIES"}
    assert t.fails_on_drift
    # Defaults: a full scan reused up to 30 days, RETAIN everywhere, the stack named after the template.
    o = m.templates[1]
    assert (o.template_path, o.stack_name, o.stack.mode, o.related, o.depth) == (
        Path("other.yaml"),
        "other",
        StackMode.AUTO,
        True,
        None,
    )
    assert (o.policies.deletion, o.policies.retain_vpc_defaults, o.fail_on, o.fails_on_drift) == (
        "RETAIN",
        True,
        [],
        False,
    )
    assert m.to_dict()["templates"][0]["parameters"]["Password"] == {"env": "DB_PASSWORD"}


MINIMAL = "version: 1\ntemplates:\n  - name: w\n    select: [type=AWS::EC2::VPC]\n"


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        (
            "version: 1\ntemplates:\n  - name: w\n    select: [tag:Name=w, 'foo=bar']\n",
            "iacgen.yaml:4: templates[0].select[1]:",
            "bad selection term 'foo=bar'",
        ),
        (
            MINIMAL + "    exclude:\n      - type=AWS::EC2::*\n      - 'type=AWS::*::VPC'\n",
            "iacgen.yaml:7: templates[0].exclude[1]:",
            "'*' is allowed only at the end",
        ),
        (
            "version: 1\ntemplates:\n  - name: w\n    selct: [x]\n",
            "iacgen.yaml:4: templates[0].selct:",
            "unknown key 'selct'; expected one of: ",
        ),
        (
            MINIMAL + "    colour: red\n",
            "iacgen.yaml:5: templates[0].colour:",
            "unknown key 'colour'; expected",
        ),
        (MINIMAL + "    depth: two\n", "iacgen.yaml:5: templates[0].depth:", "valid integer"),
        (MINIMAL + "    related: maybe\n", "iacgen.yaml:5: templates[0].related:", "valid boolean"),
        (MINIMAL + "    related: false\n    depth: 2\n", "templates[0]:", "related: false turns off"),
        (MINIMAL + "    format: toml\n", "templates[0].format:", "'yaml' or 'json'"),
        (MINIMAL.replace("name: w", "name: a/b"), "templates[0].name:", "contains a path separator"),
        (MINIMAL.replace("name: w", "name: ''"), "templates[0].name:", "give the template a name"),
        (MINIMAL.replace("version: 1", "version: 2"), "iacgen.yaml:1: version:", "expected version: 1"),
        ("templates: []\n", "iacgen.yaml: version:", "required key is missing"),
        ("version: 1\ntemplates: []\n", "iacgen.yaml:2: templates:", "at least 1 item"),
        ("version: 1\nscan: {max_age: 40d}\n" + MINIMAL[11:], "iacgen.yaml:2: scan.max_age:", "at most 30d"),
        ("version: 1\nscan: {max_age: soon}\n" + MINIMAL[11:], "scan.max_age:", "such as 7d, 12h or 30m"),
        ("version: 1\nscan: {policy: always}\n" + MINIMAL[11:], "scan.policy:", "'reuse' or 'new'"),
        ("version: 1\nscan: {types: ['AWS::E*C2']}\n" + MINIMAL[11:], "scan.types:", "only at the end"),
        (
            MINIMAL + "    fail_on: [drift, foo]\n",
            "templates[0].fail_on[1]:",
            "expected drift, secrets or a warning type",
        ),
        (
            MINIMAL + "    parameters: {A: {env: X}, D: {envx: 1}}\n",
            "iacgen.yaml:5: templates[0].parameters.D:",
            "{env: VARIABLE}",
        ),
        (
            MINIMAL + "    parameters: {A: '{{resolve:vault:x}}'}\n",
            "templates[0].parameters.A:",
            "resolve:ssm",
        ),
        (
            MINIMAL + "    policies: {overrides: [{type: 'AWS::EC2::*', deletion: snapshott}]}\n",
            "templates[0].policies.overrides[0].deletion:",
            "'snapshott' is not a valid DeletionPolicy; use one of: Delete, Retain",
        ),
        (
            MINIMAL + "    policies: {overrides: [{type: 'AWS::EC2::*'}]}\n",
            "templates[0].policies.overrides[0]:",
            "expected deletion and/or update_replace",
        ),
        (
            MINIMAL + "    policies: {overrides: [{type: 'A', logical_id: B, deletion: Retain}]}\n",
            "templates[0].policies.overrides[0]:",
            "exactly one of type",
        ),
        (
            MINIMAL + "    policies: {deletion: snapshot}\n",
            "templates[0].policies.deletion:",
            "'DELETE' or 'RETAIN'",
        ),
        (MINIMAL + "    stack: {name: 1abc}\n", "templates[0].stack.name:", "expected a stack name"),
        (MINIMAL + "    stack: {mode: maybe}\n", "templates[0].stack.mode:", "'new', 'existing' or 'auto'"),
        (
            MINIMAL + "  - name: w\n    select: [type=AWS::S3::Bucket]\n",
            "iacgen.yaml:5: templates[1].name:",
            "template name w is already used",
        ),
        (
            MINIMAL
            + "    stack: {name: s}\n  - name: x\n    select: [type=AWS::S3::Bucket]\n    stack: {name: s}\n",
            "templates[1].stack:",
            "stack s is already used",
        ),
        ("- a\n", "iacgen.yaml:", "expected a mapping (version: 1, templates: [...]), got a list"),
        ("", "iacgen.yaml:", "got an empty file"),
        ("version: 1\ntemplates: [\n", "iacgen.yaml:3:1: not valid YAML:", ""),
        ("version: 1\nversion: 1\n", "iacgen.yaml:2: version:", "key version appears twice (lines 1 and 2)"),
        ("version: 1\ntemplates: !!python/object:os.system {}\n", "not valid YAML", ""),
    ],
)
def test_a_bad_manifest_names_the_key_path_and_what_was_expected(
    text: str, where: str, expected: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_manifest(text)
    assert caught.value.exit_code == EXIT_USAGE
    assert where in caught.value.message, caught.value.message
    assert caught.value.message.startswith("iacgen.yaml")
    assert expected in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.hint


def test_unknown_keys_list_the_allowed_ones() -> None:
    with pytest.raises(UsageError) as caught:
        parse_manifest(MINIMAL + "    policies: {delete: RETAIN}\n")
    assert (
        "templates[0].policies.delete: unknown key 'delete'; expected one of: deletion, update_replace"
        in (caught.value.message)
    )


def test_load_manifest_reports_a_missing_file_and_the_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_manifest(tmp_path / "nope.yaml")
    assert "nope.yaml: no such file" in caught.value.message
    assert caught.value.hint is not None and "iacgen init" in caught.value.hint
    path = tmp_path / "ci.yaml"
    path.write_text(MINIMAL + "    depth: -1\n")
    with pytest.raises(UsageError) as caught:
        load_manifest(path)
    assert caught.value.message.startswith(f"{path}:5: templates[0].depth:")


def test_parameters_resolve_literals_as_written_and_env_vars_at_run_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve_parameter("{{resolve:ssm:/a}}") == "{{resolve:ssm:/a}}"
    monkeypatch.setenv("DB_PASSWORD", "s3cret")
    assert resolve_parameter(EnvParameter(env="DB_PASSWORD")) == "s3cret"
    monkeypatch.delenv("DB_PASSWORD")
    with pytest.raises(UsageError, match="DB_PASSWORD is not set"):
        resolve_parameter(EnvParameter(env="DB_PASSWORD"))


def test_key_path_spells_indexes_in_brackets() -> None:
    assert key_path(["templates", 0, "select", 1]) == "templates[0].select[1]"
    assert key_path(["scan", "max_age"]) == "scan.max_age"
    assert key_path([]) == ""


def test_a_template_that_would_be_the_manifest_itself_is_refused() -> None:
    manifest = Path("iacgen.yaml")
    manifest.write_text(MINIMAL.replace("name: w", "name: iacgen"))
    with pytest.raises(UsageError, match=r"templates\[0\].name: the template would be iacgen.yaml"):
        load_manifest(manifest)
    manifest.write_text(MINIMAL + f"    path: {manifest.resolve()}\n")
    with pytest.raises(UsageError, match=r"templates\[0\].path: the template would be .*the manifest itself"):
        load_manifest(manifest)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        (
            "version: 1\nscan: {max_age: 100000000000d}\n" + MINIMAL[11:],
            "iacgen.yaml:2: scan.max_age:",
            "30d",
        ),
        ("version: 1\nscan: {max_age: 99999999999999999999h}\n" + MINIMAL[11:], "scan.max_age:", "30d"),
        ("version: 1\nscan: {max_age: 100000000000000}\n" + MINIMAL[11:], "scan.max_age:", "at most 30d"),
        (MINIMAL + "    depth: " + "9" * 5000 + "\n", "iacgen.yaml:5:", "more than 4300 digits"),
        (MINIMAL + "    parameters: {Port: 1e400}\n", "templates[0].parameters.Port:", "not a finite"),
    ],
)
def test_a_number_too_large_for_python_is_a_usage_error_naming_the_line(
    text: str, where: str, expected: str
) -> None:
    """timedelta's OverflowError and int()'s 4300-digit limit were internal errors (exit 70)."""
    with pytest.raises(UsageError) as caught:
        parse_manifest(text)
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.message.startswith("iacgen.yaml:") and where in caught.value.message
    assert expected in caught.value.message


@pytest.mark.parametrize(
    ("extra", "where", "expected"),
    [
        ("    depth: true\n", "iacgen.yaml:5: templates[0].depth:", "valid integer, got true"),
        ("    depth: '2'\n", "templates[0].depth:", 'valid integer, got "2"'),
        ("    depth: 2.0\n", "templates[0].depth:", "valid integer, got 2.0"),
        ("    related: 'yes'\n", "iacgen.yaml:5: templates[0].related:", 'valid boolean, got "yes"'),
        ("    related: 1\n", "templates[0].related:", "valid boolean, got 1"),
        ("    policies: {retain_vpc_defaults: 'no'}\n", "policies.retain_vpc_defaults:", "valid boolean"),
        ("    policies: {allow_delete_policy: 1}\n", "policies.allow_delete_policy:", "valid boolean"),
        ("    fail_on: drift\n", "iacgen.yaml:5: templates[0].fail_on:", 'valid list, got "drift"'),
        ("    exclude: type=AWS::EC2::Route\n", "templates[0].exclude:", "valid list"),
        ("    s3_bucket: Bad_Bucket\n", "templates[0].s3_bucket:", "bucket name 'Bad_Bucket' is not valid"),
        ("    s3_bucket: ab\n", "templates[0].s3_bucket:", "3-63 lowercase letters"),
        ("    s3_bucket: a..b\n", "templates[0].s3_bucket:", "is not valid"),
        ("    s3_bucket: 192.168.1.1\n", "templates[0].s3_bucket:", "is not valid"),
        ("    s3_bucket: my-bucket-\n", "templates[0].s3_bucket:", "is not valid"),
        (
            "targets: [{region: us-east-1, role_name: bad role}]\n",
            "iacgen.yaml:5: targets[0].role_name:",
            "role name 'bad role' is not valid",
        ),
        ("targets: [{region: us-east-1, external_id: ''}]\n", "targets[0].external_id:", "2-1224 characters"),
        ("targets: [{region: us-east-1, account: 210987654321}]\n", "targets[0].account:", "quote it"),
        (
            "targets: [{name: a, region: us-east-1}, {name: b, region: us-east-1}]\n",
            "targets[1]:",
            "the caller's account in us-east-1 is already target a's",
        ),
        (
            "targets: [{account: '210987654321', region: eu-west-1}, {name: p, account: '210987654321', "
            "region: eu-west-1}]\n",
            "targets[1]:",
            "account 210987654321 in eu-west-1 is already target 210987654321-eu-west-1's",
        ),
    ],
)
def test_a_value_of_the_wrong_type_or_shape_is_refused_not_coerced(
    extra: str, where: str, expected: str
) -> None:
    """depth: true was depth 1, related: "yes" was true, fail_on: drift a list, a bad bucket or role name
    reached AWS: the reference documents the types, and wrong ones are exit 2."""
    with pytest.raises(UsageError) as caught:
        parse_manifest(MINIMAL + extra)
    assert caught.value.exit_code == EXIT_USAGE
    assert where in caught.value.message, caught.value.message
    assert expected in caught.value.message


@pytest.mark.parametrize("version", ["true", "1.0", "'1'"])
def test_version_is_the_integer_1_not_something_equal_to_it(version: str) -> None:
    with pytest.raises(UsageError, match=r"iacgen.yaml:1: version: expected version: 1"):
        parse_manifest(MINIMAL.replace("version: 1", f"version: {version}"))


def test_yaml_typing_is_kept_where_the_values_are_right() -> None:
    m = parse_manifest(
        MINIMAL + "    related: false\n    s3_bucket: my.bodies-1\n    fail_on: [drift]\n"
        "targets: [{region: us-east-1, role_name: 'path/Role+=,.@_-', external_id: ab}]\n"
    )
    (t,) = m.templates
    assert (t.related, t.depth, t.s3_bucket, t.fail_on) == (False, None, "my.bodies-1", ["drift"])
    assert (m.targets[0].role_name, m.targets[0].external_id) == ("path/Role+=,.@_-", "ab")
    assert parse_manifest(MINIMAL + "    depth: 0\n").templates[0].depth == 0


def test_an_unknown_key_in_a_target_lists_the_target_keys() -> None:
    with pytest.raises(UsageError) as caught:
        parse_manifest(MINIMAL + "targets: [{region: us-east-1, acount: '123456789012'}]\n")
    assert caught.value.message.endswith(
        "targets[0].acount: unknown key 'acount'; expected one of: "
        "name, account, region, role_name, external_id"
    )


def test_further_problems_are_counted_as_problems_not_keys() -> None:
    with pytest.raises(UsageError) as caught:
        parse_manifest(MINIMAL + "    colour: red\n    related: maybe\n    format: toml\n")
    message = caught.value.message
    assert "unknown key 'colour'; expected one of: " in message
    assert message.endswith("(2 more problems in the file)"), message
    with pytest.raises(UsageError) as caught:
        parse_manifest(MINIMAL + "    related: maybe\n    format: toml\n")
    assert caught.value.message.endswith("(1 more problem in the file)")


def test_a_duplicate_key_names_both_lines_and_the_key_path_not_ruamels_placeholder_values() -> None:
    text = MINIMAL + "    related: true\n    select: [type=AWS::EC2::Subnet]\n"
    with pytest.raises(UsageError) as caught:
        parse_manifest(text)
    assert caught.value.message == (
        "iacgen.yaml:6: templates[0].select: key select appears twice (lines 4 and 6)"
    )
    assert "[]" not in caught.value.message and caught.value.hint
    with pytest.raises(
        UsageError, match=r"iacgen.yaml:3: templates\[0\].name: key name appears twice \(line 3\)"
    ):
        parse_manifest("version: 1\ntemplates:\n  - {name: a, name: b, select: [type=AWS::EC2::VPC]}\n")


def test_a_bad_endpoint_is_named_in_the_manifests_words_with_its_line() -> None:
    with pytest.raises(UsageError) as caught:
        parse_manifest("version: 1\nendpoint: 'ftp://x'\n" + MINIMAL[11:])
    assert caught.value.message.startswith(
        "iacgen.yaml:2: endpoint: URL 'ftp://x' is not an http:// or https:// URL with a host"
    )
    assert "--endpoint-url" not in caught.value.message


@pytest.mark.parametrize("key", ["select", "exclude"])
def test_a_type_in_the_wrong_case_gets_its_real_spelling_as_the_hint(key: str) -> None:
    text = MINIMAL if key == "exclude" else MINIMAL.replace("[type=AWS::EC2::VPC]", "['type=aws::ec2::vpc']")
    if key == "exclude":
        text += "    exclude: ['type=aws::ec2::vpc']\n"
    with pytest.raises(UsageError) as caught:
        parse_manifest(text)
    assert f"templates[0].{key}[0]: bad selection term 'type=aws::ec2::vpc'" in caught.value.message
    assert caught.value.hint is not None and "write AWS::EC2::VPC" in caught.value.hint
