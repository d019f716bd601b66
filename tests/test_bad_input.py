"""The bad-input corpus: every command and every file iacgen reads, handed something wrong. Each case asserts
the documented exit code, one clear error line that says what is wrong, no traceback, nothing on stdout, every
file in the directory byte-for-byte as it was, and nothing created in the account (stacks, change sets,
generated templates, scans, buckets)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
BUCKET = "iacgen-corpus-bucket"


def _template(resources: Mapping[str, Any], **sections: Any) -> str:
    return json.dumps({**sections, "Resources": resources}, indent=2) + "\n"


def _bucket(lid: str = "Bucket", type_name: str = "AWS::S3::Bucket", **extra: Any) -> dict[str, Any]:
    return {
        lid: {"Type": type_name, "DeletionPolicy": "Retain", "Properties": {"BucketName": BUCKET}, **extra}
    }


GOOD = _template(_bucket())
WITH_PARAM = _template(_bucket(), Parameters={"Env": {"Type": "String"}})  # a parameter without Default
BOMB = (
    "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
        for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
    )
    + "Resources: {}\n"
)


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: str  # part of the one error line
    code: int = 2
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    fifos: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)  # link -> target
    dirs: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: str | bytes | None = None
    bucket: bool = False  # the bucket the templates name exists


def c(id: str, *args: str, says: str, **kwargs: Any) -> Case:
    return Case(id, args, says, **kwargs)


T = {"t.json": GOOD}
EXPRESSION_POLICY = (
    "Resources:\n  B:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: !If [C, Retain, Delete]\n"
)
CASES = [
    # --- global options and the environment
    c("endpoint-not-a-url", "--endpoint-url", "notaurl", "scans", says="is not an http:// or https:// URL"),
    c("endpoint-bad-ipv6", "--endpoint-url", "http://[::1", "scans", says="is not a valid URL: Invalid IPv6"),
    c("endpoint-ftp", "--endpoint-url", "ftp://example.com", "scans", says="is not an http:// or https://"),
    c("endpoint-port", "--endpoint-url", "http://h:99999", "scans", says="Port out of range"),
    c("env-endpoint", "scans", says="AWS_ENDPOINT_URL 'notaurl' is not", env={"AWS_ENDPOINT_URL": "notaurl"}),
    c(
        "env-endpoint-service",
        "scans",
        says="AWS_ENDPOINT_URL_CLOUDFORMATION 'x://'",
        env={"AWS_ENDPOINT_URL_CLOUDFORMATION": "x://"},
    ),
    c("endpoint-unreachable", "--endpoint-url", "http://127.0.0.1:9", "scans", says="cannot reach", code=3),
    c("output-format", "--output", "xml", "scans", says="Invalid value for '--output'"),
    c("profile-missing", "--profile", "nosuch", "scans", says="nosuch"),
    c("local-not-running", "--local", "scans", says="--local: no local cloud is running"),
    c("unknown-command", "frobnicate", says="No such command 'frobnicate'"),
    c("unknown-option", "scans", "--frob", says="No such option: --frob"),
    c("state-dir-empty", "--state-dir", "", "generate", "n", "--select", "x=y", says="--state-dir is empty"),
    # --- scan, scans, resources
    c("scan-type-lowercase", "scan", "--type", "aws::ec2::vpc", says="lower case matches nothing"),
    c("scan-type-mixed-case", "scan", "--type", "Aws::EC2::VPC", says="is not spelled as the service spells"),
    c("scan-type-star-inside", "scan", "--type", "AWS::*::VPC", says="'*' is allowed only at the end"),
    c("scan-type-empty", "scan", "--type", "", says="must be 1-100 characters"),
    c(
        "scan-type-unknown",
        "scan",
        "--type",
        "AWS::Fake::Thing",
        says="'AWS::Fake::Thing' is not a CloudFormation",
    ),
    c("scan-type-typo", "scan", "--type", "AWS::S3::Buckets", says="did you mean AWS::S3::Bucket?"),
    c("scan-type-case-of-a-name", "scan", "--type", "AWS::EC2::Vpc", says="did you mean AWS::EC2::VPC?"),
    c(
        "scan-type-prefix-unknown",
        "scan",
        "--type",
        "AWS::Nope::*",
        says="'AWS::Nope::*' matches no CloudFormation",
    ),
    c(
        "scan-too-many-types",
        "scan",
        *[a for i in range(101) for a in ("--type", f"AWS::Svc{i:03d}::Thing")],
        says="at most 100 resource types",
    ),
    c("scan-timeout-0", "scan", "--timeout", "0", says="Invalid value for '--timeout'"),
    c("scan-id-unknown", "scan", "--scan-id", "not-an-arn", says="no scan 'not-an-arn'"),
    c("resources-no-scan", "resources", says="no usable resource scan"),
    # --- generate
    c(
        "generate-no-related-depth",
        "generate",
        "n",
        "--select",
        "type=AWS::S3::Bucket",
        "--no-related",
        "--related-depth",
        "1",
        says="related resources are turned off, yet a depth",
    ),
    c(
        "generate-select-type-unknown",
        "generate",
        "n",
        "--select",
        "type=AWS::EC2::Vpc",
        says="'AWS::EC2::Vpc' is not a CloudFormation resource type",
    ),
    c("generate-name-slash", "generate", "a/b", "--select", "type=AWS::S3::Bucket", says="a path separator"),
    c("generate-name-dotdot", "generate", "..", "--select", "type=AWS::S3::Bucket", says="a path separator"),
    c("generate-name-backslash", "generate", "a\\b", says="a path separator"),
    c("generate-name-empty", "generate", "", "--select", "type=AWS::S3::Bucket", says="must be 1-128"),
    c("generate-name-long", "generate", "n" * 129, "--select", "type=AWS::S3::Bucket", says="got 129"),
    c("generate-select-term", "generate", "x", "--select", "nonsense", says="bad selection term 'nonsense'"),
    c("generate-select-lower", "generate", "x", "--select", "type=aws::s3::bucket", says="lower case"),
    c("generate-select-star", "generate", "x", "--select", "type=AWS::*::X", says="only at the end"),
    c("generate-select-tag", "generate", "x", "--select", "tag:", says="missing tag key"),
    c("generate-exclude-term", "generate", "x", "--exclude", "id=", says="missing value after id="),
    c("generate-out-dir", "generate", "x", "--out", "d", says="d is a directory", dirs=("d",)),
    c("generate-foreign-file", "generate", "x", says="was not written by iacgen", files={"x.yaml": "mine\n"}),
    c("generate-format", "generate", "x", "--format", "xml", says="Invalid value for '--format'"),
    c("generate-policy", "generate", "x", "--deletion-policy", "Maybe", says="--deletion-policy"),
    c("generate-depth", "generate", "x", "--related-depth", "-1", says="Invalid value for '--related-depth'"),
    c(
        "generate-no-scan",
        "generate",
        "x",
        "--select",
        "type=AWS::S3::Bucket",
        says="no usable resource scan",
    ),
    # --- warnings
    c("warnings-unknown", "warnings", "nosuch", says="no generated template named 'nosuch'"),
    c("warnings-fail-on", "warnings", "x", "--fail-on", "BOGUS", says="unknown warning type 'BOGUS'"),
    # --- patch: the template file
    c("patch-missing", "patch", "no.yaml", "--deletion-policy", "Retain", says="no.yaml: no such file"),
    c(
        "patch-policy-expression",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        "--in-place",
        says="t.yaml: B's DeletionPolicy is an expression (!If [C, Retain, Delete]), which patch does not",
        files={"t.yaml": EXPRESSION_POLICY},
    ),
    c(
        "patch-policy-cannot-be-added",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        "--out",
        "o.yaml",
        says="t.yaml: cannot add DeletionPolicy to B: its keys do not start their own lines",
        files={"t.yaml": "Resources:\n  B:\n    ? Type\n    : AWS::SNS::Topic\n"},
    ),
    c("patch-directory", "patch", "d", "--deletion-policy", "Retain", says="d: is a directory", dirs=("d",)),
    c("patch-fifo", "patch", "f.yaml", "--deletion-policy", "Retain", says="is a FIFO", fifos=("f.yaml",)),
    c("patch-device", "patch", "/dev/null", "--deletion-policy", "Retain", says="is a device or socket"),
    c(
        "patch-dangling-link",
        "patch",
        "l.yaml",
        "--deletion-policy",
        "Retain",
        says="a symbolic link to a missing file",
        links={"l.yaml": "gone.yaml"},
    ),
    c(
        "patch-20mb",
        "patch",
        "big.yaml",
        "--deletion-policy",
        "Retain",
        says="20,971,520 bytes; a template is at most 2,097,152",
        files={"big.yaml": b"#" * (20 * 1_048_576)},
    ),
    c(
        "patch-alias-bomb",
        "patch",
        "b.yaml",
        "--deletion-policy",
        "Retain",
        says="aliases expand to more than",
        files={"b.yaml": BOMB},
    ),
    c(
        "patch-recursive-alias",
        "patch",
        "r.yaml",
        "--deletion-policy",
        "Retain",
        says="a recursive alias",
        files={"r.yaml": "a: &a [*a]\nResources: {}\n"},
    ),
    c(
        "patch-not-utf8",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="not UTF-8",
        files={"t.yaml": b"Resources:\n  B: {Type: \xff}\n"},
    ),
    c(
        "patch-empty",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="the template is empty",
        files={"t.yaml": "\n"},
    ),
    c(
        "patch-list",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="the top level is a list",
        files={"t.yaml": "- a\n"},
    ),
    c(
        "patch-no-resources",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="no Resources section",
        files={"t.yaml": "Parameters: {}\n"},
    ),
    c(
        "patch-yaml-syntax",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="t.yaml:3:1: not valid YAML",
        files={"t.yaml": "Resources:\n  B: [\n"},
    ),
    c(
        "patch-json-syntax",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        says="not valid JSON",
        files={"t.json": '{"Resources": }'},
    ),
    c(
        "patch-no-type",
        "patch",
        "t.yaml",
        "--deletion-policy",
        "Retain",
        says="resource B has no Type",
        files={"t.yaml": "Resources:\n  B: {Properties: {}}\n"},
    ),
    # --- patch: the options
    c("patch-no-policy", "patch", "t.json", says="patch needs something to change", files=T),
    c("patch-bad-policy", "patch", "t.json", "--deletion-policy", "Maybe", says="Maybe", files=T),
    c(
        "patch-out-and-in-place",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--out",
        "o.json",
        "--in-place",
        says="--out and --in-place exclude each other",
        files=T,
    ),
    c(
        "patch-type-no-match",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--type",
        "AWS::EC2::*",
        says="matches no resource",
        files=T,
    ),
    c(
        "patch-resource-missing",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--resource",
        "Nope",
        says="Nope",
        files=T,
    ),
    c(
        "patch-out-is-template",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--out",
        "t.json",
        says="is the template itself",
        files=T,
    ),
    c(
        "patch-out-dir",
        "patch",
        "t.json",
        "--update-replace-policy",
        "Delete",
        "--out",
        "d",
        says="d is a directory",
        files=T,
        dirs=("d",),
    ),
    c(
        "patch-stdin-in-place",
        "patch",
        "-",
        "--deletion-policy",
        "Retain",
        "--in-place",
        says="--in-place needs a template file",
        stdin=GOOD,
    ),
    c(
        "patch-stdin-not-utf8",
        "patch",
        "-",
        "--deletion-policy",
        "Retain",
        says="<stdin>: not UTF-8",
        stdin=b"\xff\xfe",
    ),
    c(
        "patch-snapshot-unsupported",
        "patch",
        "t.json",
        "--deletion-policy",
        "Snapshot",
        says="Snapshot",
        files={"t.json": _template({"K": {"Type": "AWS::EC2::KeyPair", "Properties": {"KeyName": "k"}}})},
    ),
    # --- import: options and the template's contents, before any change set exists
    c(
        "import-stack-name",
        "import",
        "--stack",
        "bad_name!",
        "--template",
        "t.json",
        "--dry-run",
        says="invalid stack name 'bad_name!'",
        files=T,
    ),
    c(
        "import-stack-name-long",
        "import",
        "--stack",
        "s" * 129,
        "--template",
        "t.json",
        "--dry-run",
        says="invalid stack name",
        files=T,
    ),
    c("import-no-template", "import", "--stack", "s", "--dry-run", says="no template to import"),
    c(
        "import-s3-bucket-name",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--s3-bucket",
        "Bad_Bucket",
        "--dry-run",
        says="bucket name 'Bad_Bucket' is not valid: 3-63 lowercase letters",
        files=T,
    ),
    c(
        "import-logical-id",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="logical id 'My-Bucket' is not alphanumeric",
        files={"t.json": _template(_bucket("My-Bucket"))},
        bucket=True,
    ),
    c(
        "import-logical-id-long",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="is 256 characters; at most 255",
        files={"t.json": _template(_bucket("B" * 256))},
        bucket=True,
    ),
    c(
        "import-type-lower",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="resource type 'aws::s3::bucket' is not spelled as the service spells types",
        files={"t.json": _template(_bucket(type_name="aws::s3::bucket"))},
        bucket=True,
    ),
    c(
        "import-type-two-parts",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="is not Service::Provider::Resource",
        files={"t.json": _template(_bucket(type_name="AWS::Bucket"))},
        bucket=True,
    ),
    c(
        "import-parameter-twice",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        "--parameter",
        "Env=a",
        "--parameter",
        "Env=b",
        says="--parameter Env is given twice",
        files={"t.json": WITH_PARAM},
    ),
    c(
        "import-parameter-no-key",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        "--parameter",
        "=1",
        says="is not KEY=VALUE",
        files=T,
    ),
    c(
        "import-parameter-key",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        "--parameter",
        "my-key=1",
        says="a parameter name is alphanumeric",
        files=T,
    ),
    c(
        "import-parameter-unknown",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        "--parameter",
        "Nope=1",
        says="unknown parameter(s): Nope",
        files=T,
        bucket=True,
    ),
    c(
        "import-parameter-missing",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="parameter(s) without a value: Env",
        files={"t.json": WITH_PARAM},
        bucket=True,
    ),
    c(
        "import-timeout-0",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--execute",
        "--timeout",
        "0",
        says="Invalid value for '--timeout'",
        files=T,
    ),
    c(
        "import-both-modes",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        "--execute",
        says="--dry-run and --execute exclude each other",
        files=T,
    ),
    c(
        "import-no-terminal",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        says="stdin is not a terminal",
        files=T,
        bucket=True,
    ),
    c(
        "import-no-deletion-policy",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="have no DeletionPolicy: B",
        bucket=True,
        files={"t.json": _template({"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}})},
    ),
    c(
        "import-empty-resources",
        "import",
        "--stack",
        "s",
        "--template",
        "t.yaml",
        "--dry-run",
        says="no resources to import",
        files={"t.yaml": "Resources: {}\n"},
    ),
    c(
        "import-template-fifo",
        "import",
        "--stack",
        "s",
        "--template",
        "f.json",
        "--dry-run",
        says="is a FIFO",
        fifos=("f.json",),
    ),
    c(
        "import-bucket-missing",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--dry-run",
        says="does not exist",
        code=3,
        files=T,
    ),
    # --- import: the resources file
    c(
        "resources-missing",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="resources file not found: r.json",
        files=T,
    ),
    c(
        "resources-not-json",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="r.json:1:1: not valid JSON",
        files={**T, "r.json": "nope"},
    ),
    c(
        "resources-shape",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="expected a JSON list",
        files={**T, "r.json": '{"a": 1}'},
    ),
    c(
        "resources-entry",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="entry 0 is not a resource to import",
        files={**T, "r.json": "[1]"},
    ),
    c(
        "resources-not-utf8",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="r.json: not UTF-8",
        files={**T, "r.json": b"\xff"},
    ),
    c(
        "resources-fifo",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "r.json",
        "--dry-run",
        says="r.json: is a FIFO",
        files=T,
        fifos=("r.json",),
    ),
    c(
        "resources-directory",
        "import",
        "--stack",
        "s",
        "--template",
        "t.json",
        "--resources",
        "d",
        "--dry-run",
        says="d: is a directory",
        files=T,
        dirs=("d",),
    ),
    # --- the state file
    c(
        "state-not-json-import",
        "import",
        "--stack",
        "s",
        "--dry-run",
        says=".iacgen/state.json:1:2: not valid JSON",
        files={".iacgen/state.json": "{"},
    ),
    c(
        "state-not-json-generate",
        "generate",
        "x",
        "--select",
        "type=AWS::S3::Bucket",
        says=".iacgen/state.json:1:2: not valid JSON",
        files={".iacgen/state.json": "{not json"},
    ),
    # --- local
    c("local-port-high", "local", "serve", "--port", "70000", says="Invalid value for '--port'"),
    c("local-port-negative", "local", "serve", "--port", "-1", says="Invalid value for '--port'"),
    c(
        "patch-numeric-logical-id",
        "patch",
        "n.yaml",
        "--deletion-policy",
        "Retain",
        says="n.yaml:2:3: a logical id is read as a number: 1",
        files={"n.yaml": "Resources:\n  1:\n    Type: AWS::S3::Bucket\n"},
    ),
    c("scan-type-not-a-type", "scan", "--type", "AWS::S3", says="'AWS::S3' is neither a type nor a prefix"),
    c("resources-prefix-lower", "resources", "--type-prefix", "aws::s3", says="not spelled as the service"),
    c("scan-new-and-id", "scan", "--new", "--scan-id", "abcdef12", says="exclude each other"),
    c(
        "iam-policy-stack",
        "iam-policy",
        "--command",
        "import",
        "--stack",
        "bad name",
        says="is not a stack name",
    ),
    c(
        "generate-out-under-a-file",
        "generate",
        "x",
        "--select",
        "type=AWS::S3::Bucket",
        "--out",
        "f/x.yaml",
        says="f is not a directory, so f/x.yaml cannot be written",
        files={"f": "x\n"},
    ),
    c("local-port-zero", "local", "start", "--port", "0", says="Invalid value for '--port'"),
    c("local-seed", "local", "seed", "nosuch", says="'nosuch' is not one of"),
    # --- where files go: paths the system refuses are bad input (exit 2), never an internal error
    c(
        "patch-out-under-a-file",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--out",
        "f/t.yaml",
        says="error: f is not a directory, so f/t.yaml cannot be written",
        files={**T, "f": "a file\n"},
    ),
    # --- an --out into a directory that does not exist: refused, never created (as cp, tee and the AWS CLI)
    c(
        "patch-out-missing-dir",
        "patch",
        "t.json",
        "--deletion-policy",
        "Retain",
        "--out",
        "no/such/t.json",
        says="error: directory no/such does not exist, so no/such/t.json cannot be written",
        files=T,
    ),
    c(
        "generate-out-missing-dir",
        "generate",
        "x",
        "--select",
        "type=AWS::S3::Bucket",
        "--out",
        "infra/x.yaml",
        says="error: directory infra does not exist, so infra/x.yaml cannot be written",
    ),
    c("init-out-missing-dir", "init", "--out", "ci/iacgen.yaml", says="error: directory ci does not exist"),
    c(
        "coverage-out-missing-dir",
        "coverage",
        "--format",
        "csv",
        "--out",
        "reports/c.csv",
        says="error: directory reports does not exist, so reports/c.csv cannot be written",
    ),
    c(
        "state-dir-a-file",
        "--state-dir",
        "f",
        "import",
        "--stack",
        "s",
        "--dry-run",
        says="the state directory f is not a directory",
        files={"f": "x\n"},
    ),
    c(
        "init-out-under-a-file",
        "init",
        "--out",
        "f/m.yaml",
        says="error: f is not a directory, so f/m.yaml cannot be written",
        files={"f": "x\n"},
    ),
    c(
        "aws-max-attempts",
        "scans",
        says="the AWS setting max_attempts is not valid",
        env={"AWS_MAX_ATTEMPTS": "abc"},
    ),
]


def _tree(root: Path) -> dict[str, Any]:
    """Every entry under root, by kind: a file's bytes, a link's target, a FIFO or a directory as such."""
    out: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_fifo():
                out[rel] = "fifo"
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = path.read_bytes()
    return out


def _account() -> dict[str, Any]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    return {
        "stacks": [(s["StackName"], s["StackStatus"]) for s in cfn.list_stacks()["StackSummaries"]],
        "templates": [t["TemplateName"] for t in cfn.list_generated_templates()["Summaries"]],
        "scans": len(cfn.list_resource_scans()["ResourceScanSummaries"]),
        "buckets": sorted(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, cli: Any, cloud: None, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.bucket:
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    for name, content in case.files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for name in case.dirs:
        Path(name).mkdir()
    for name in case.fifos:
        os.mkfifo(name)
    for link, target in case.links.items():
        os.symlink(target, link)
    files, account = _tree(Path.cwd()), _account()
    for var, value in case.env.items():
        monkeypatch.setenv(var, value)

    result = cli(*case.args, input=case.stdin)
    for var in case.env:
        monkeypatch.delenv(var)

    err = _one_line(result.stderr)
    assert result.exit_code == case.code, result.stderr
    assert case.says in err, result.stderr
    assert result.exception is None and "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith(("error:", "Error:"))]
    assert len(error_lines) == 1, result.stderr
    assert "internal error" not in err and "bug in iacgen" not in err
    assert result.stdout == ""
    assert _tree(Path.cwd()) == files
    assert _account() == account


def test_the_corpus_covers_every_command_and_file() -> None:
    assert len(CASES) >= 60
    commands = {
        next(a for a in case.args if not a.startswith("-") and a not in ("xml", "nosuch", "notaurl"))
        for case in CASES
        if case.args
    }
    assert {"scan", "scans", "resources", "generate", "warnings", "patch", "import", "local"} <= commands
    assert any(case.env for case in CASES) and any(".iacgen/state.json" in case.files for case in CASES)
    assert any("--resources" in case.args for case in CASES) and any(case.fifos for case in CASES)


# --- bad input that needs more than a table row ---------------------------------------------------------


@pytest.fixture
def not_aws() -> Iterator[str]:
    """An HTTP server on loopback that answers every request with a web page, as a wrong endpoint would."""

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<html><body>Welcome to nginx!</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_that_is_not_aws_is_a_clear_error(cli: Any, not_aws: str) -> None:
    result = cli("--endpoint-url", not_aws, "scans")
    assert result.exit_code == 3, result.stderr
    err = _one_line(result.stderr)
    assert "the endpoint's answer is not an AWS API response" in err and "--endpoint-url" in err
    assert "Traceback" not in result.stderr


def test_patch_in_place_through_a_link_patches_the_target_and_keeps_the_link(cli: Any) -> None:
    Path("real").mkdir()
    target = Path("real/t.json")
    target.write_text(_template({"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete"}}))
    os.symlink("real/t.json", "link.json")
    before = target.read_text()
    result = cli("patch", "link.json", "--deletion-policy", "Retain", "--in-place")
    assert result.exit_code == 0, result.stderr
    assert Path("link.json").is_symlink() and os.readlink("link.json") == "real/t.json"
    assert target.read_text() == before.replace('"DeletionPolicy": "Delete"', '"DeletionPolicy": "Retain"')
    assert sorted(os.listdir("real")) == ["t.json"]  # no temporary file left beside the target


def test_yaml_aliases_and_merge_keys_are_expanded_in_the_body_sent_never_in_the_file(
    cli: Any, cloud: None
) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    text = (
        "Resources:\n"
        "  Bucket:\n"
        "    Type: AWS::S3::Bucket\n"
        "    DeletionPolicy: &keep Retain\n"
        "    UpdateReplacePolicy: *keep\n"
        "    Properties:\n"
        "      <<: {BucketName: " + BUCKET + "}\n"
        "      Tags: &tags [{Key: team, Value: !Ref AWS::Region}]\n"
    )
    Path("t.yaml").write_text(text)
    result = cli("-o", "json", "import", "--stack", "s", "--template", "t.yaml", "--execute")
    assert result.exit_code == 0, result.stderr
    assert Path("t.yaml").read_text() == text
    cfn = boto3.client("cloudformation", region_name=REGION)
    body = cfn.get_template(StackName="s")["TemplateBody"]
    sent = body if isinstance(body, dict) else json.loads(body)
    bucket = sent["Resources"]["Bucket"]
    assert bucket["UpdateReplacePolicy"] == "Retain"
    assert bucket["Properties"] == {
        "BucketName": BUCKET,
        "Tags": [{"Key": "team", "Value": {"Ref": "AWS::Region"}}],
    }
    resources = cfn.describe_stack_resources(StackName="s")["StackResources"]
    assert [r["PhysicalResourceId"] for r in resources] == [BUCKET]


def test_the_local_cloud_refuses_yaml_aliases_like_the_service(cloud: None) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    cfn = boto3.client("cloudformation", region_name=REGION)
    body = (
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: &k Retain\n"
        f"    UpdateReplacePolicy: *k\n    Properties: {{BucketName: {BUCKET}}}\n"
    )
    with pytest.raises(cfn.exceptions.ClientError, match="YAML aliases are not allowed"):
        cfn.create_change_set(
            StackName="s",
            ChangeSetName="c",
            ChangeSetType="IMPORT",
            TemplateBody=body,
            ResourcesToImport=[
                {
                    "ResourceType": "AWS::S3::Bucket",
                    "LogicalResourceId": "Bucket",
                    "ResourceIdentifier": {"BucketName": BUCKET},
                }
            ],
        )
    assert cfn.list_stacks()["StackSummaries"] == []
