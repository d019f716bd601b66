"""The IAM actions each command needs, as data, and the least-privilege policy document built from them.

One table feeds `iacgen iam-policy`, the README's IAM section and examples/iam-policy-ci.json; tests check
that the README and the example match it, and that every API call `iacgen ci` makes is allowed by the example.
Stack-level actions are scoped to the stacks named (by --stack or the manifest), template objects to the
bucket's iacgen/ prefix; the IaC generator's own actions support no resource scoping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from iacgen.core.errors import UsageError

POLICY_VERSION = "2012-10-17"
S3_PREFIX = "iacgen/"  # where bodies over 51,200 bytes are uploaded (preflight.S3_KEY_PREFIX is below it)


class Scope(StrEnum):
    ANY = "*"  # the action supports no resource-level scoping (or is a read over everything)
    STACK = "stack"  # arn:aws:cloudformation:*:*:stack/NAME/*
    OBJECT = "object"  # arn:aws:s3:::BUCKET/iacgen/*
    BUCKET = "bucket"  # arn:aws:s3:::BUCKET
    OWN_BUCKET = "own-bucket"  # arn:aws:s3:::iacgen-templates-* (import --create-bucket)


@dataclass(frozen=True)
class Action:
    name: str  # cloudformation:CreateChangeSet
    scope: Scope = Scope.ANY
    why: str = ""


_SCAN = (
    Action("cloudformation:StartResourceScan", why="start a scan"),
    Action("cloudformation:DescribeResourceScan", why="wait for a scan, check its age and coverage"),
    Action("cloudformation:ListResourceScans", why="reuse a recent scan, find a running one"),
    Action("cloudformation:ListResourceScanResources", why="list and select what the scan found"),
)
_RELATED = (Action("cloudformation:ListResourceScanRelatedResources", why="--related"),)
_GENERATE = (
    Action("cloudformation:CreateGeneratedTemplate", why="generate a template"),
    Action("cloudformation:UpdateGeneratedTemplate", why="generate --update, or resume"),
    Action("cloudformation:DescribeGeneratedTemplate", why="wait for the template, read its warnings"),
    Action("cloudformation:GetGeneratedTemplate", why="fetch the body"),
)
_VPC_DEFAULTS = (
    Action("ec2:DescribeRouteTables", why="keep VPC defaults Retain (optional)"),
    Action("ec2:DescribeSecurityGroups", why="keep VPC defaults Retain (optional)"),
    Action("ec2:DescribeNetworkAcls", why="keep VPC defaults Retain (optional)"),
    Action("ec2:DescribeVpcs", why="keep the default VPC Retain (optional)"),
)
_PREFLIGHT = (
    Action("cloudformation:GetTemplateSummary", why="identifier properties of each type"),
    Action("cloudformation:DescribeStacks", Scope.STACK, "the target stack's status"),
    Action("cloudformation:ListStackResources", Scope.STACK, "what an existing stack already owns"),
    Action("cloudformation:GetTemplate", Scope.STACK, "an existing stack's template, to merge into"),
)
_CHANGE_SET = (
    Action("cloudformation:CreateChangeSet", Scope.STACK, "the IMPORT change set"),
    Action("cloudformation:DescribeChangeSet", Scope.STACK, "wait for it and list its changes"),
    Action("cloudformation:DeleteChangeSet", Scope.STACK, "discard it"),
    Action("cloudformation:ListChangeSets", Scope.STACK, "delete the review stack only if unused"),
    Action("cloudformation:DeleteStack", Scope.STACK, "remove the empty REVIEW_IN_PROGRESS stack it created"),
)
_UPLOAD = (
    Action("s3:GetObject", Scope.OBJECT, "bodies over 51,200 bytes: HeadObject, and CloudFormation reads it"),
    Action("s3:PutObject", Scope.OBJECT, "bodies over 51,200 bytes"),
    Action("s3:DeleteObject", Scope.OBJECT, "remove the uploaded body"),
    Action("s3:ListBucket", Scope.BUCKET, "HeadObject answers 404, not 403, for a body not uploaded yet"),
)
_CREATE_BUCKET = (
    Action("s3:CreateBucket", Scope.OWN_BUCKET, "import --create-bucket: the templates bucket, once"),
    Action("s3:PutBucketPublicAccessBlock", Scope.OWN_BUCKET, "import --create-bucket: make it private"),
    Action("s3:PutEncryptionConfiguration", Scope.OWN_BUCKET, "import --create-bucket: encrypt it"),
)
_EXECUTE = (
    Action("cloudformation:ExecuteChangeSet", Scope.STACK, "import --execute"),
    Action("cloudformation:DescribeStackEvents", Scope.STACK, "follow the import"),
    Action("cloudformation:DetectStackDrift", Scope.STACK, "verify the import (--no-verify skips)"),
    Action("cloudformation:DescribeStackDriftDetectionStatus", why="wait for the verification"),
    Action("cloudformation:DescribeStackResourceDrifts", Scope.STACK, "the verification's findings"),
)


@dataclass(frozen=True)
class CommandPermissions:
    command: str
    actions: tuple[Action, ...]
    note: str = ""

    @property
    def names(self) -> list[str]:
        return sorted({a.name for a in self.actions})


_READ_NOTE = (
    "plus read access to the resources to be scanned: the scan and the generator read them with the "
    "caller's credentials and silently skip what they cannot read (AWS suggests the ReadOnlyAccess managed "
    "policy)"
)

COMMANDS: dict[str, CommandPermissions] = {
    c.command: c
    for c in (
        CommandPermissions("scan", _SCAN, _READ_NOTE),
        CommandPermissions("scans", _SCAN[1:3]),
        CommandPermissions("resources", _SCAN[1:]),
        CommandPermissions(
            "generate",
            _SCAN[1:] + _RELATED + _GENERATE + _VPC_DEFAULTS,
            "the EC2 reads only with --deletion-policy DELETE; without them generate still succeeds",
        ),
        CommandPermissions("warnings", (_GENERATE[2],)),
        CommandPermissions(
            "import",
            _PREFLIGHT + _CHANGE_SET + _EXECUTE + _UPLOAD + _CREATE_BUCKET,
            "S3 only with --s3-bucket or --create-bucket (creating the bucket only with the latter); "
            "CloudFormation checks each imported resource with the read "
            "permissions of its type; cloudformation:ImportResourceTypes can restrict the types",
        ),
        CommandPermissions(
            "ci",
            _SCAN
            + _RELATED
            + _GENERATE
            + (Action("cloudformation:DeleteGeneratedTemplate", why="leave no generated template behind"),)
            + _VPC_DEFAULTS
            + _PREFLIGHT
            + _CHANGE_SET
            + _UPLOAD,
            "never ExecuteChangeSet; DeleteStack is scoped to the manifest's stacks and only ever removes a "
            "REVIEW_IN_PROGRESS stack ci created: turn on termination protection on imported stacks",
        ),
        CommandPermissions(
            "coverage",
            (
                *_SCAN,
                Action("sts:AssumeRole", why="reach every account but the caller's (--role-name)"),
                Action("organizations:ListAccounts", why="--organization"),
                Action("ec2:DescribeRegions", why="--all-regions"),
            ),
            "in every target account, through the assumed role; StartResourceScan and DescribeResourceScan "
            "only with --scan; sts:AssumeRole can be scoped to arn:aws:iam::*:role/ROLE_NAME, and the role's "
            "trust policy must allow the caller",
        ),
    )
}


@dataclass(frozen=True)
class PolicyDocument:
    commands: list[str]
    stacks: list[str] = field(default_factory=list)  # empty: every stack
    buckets: list[str] = field(default_factory=list)  # empty: no S3 statement
    create_bucket: bool = False  # import --create-bucket: iacgen's own bucket, made and used

    def to_dict(self) -> dict[str, Any]:
        actions = {a for c in self.commands for a in COMMANDS[c].actions}
        statements: list[dict[str, Any]] = []
        own = self.create_bucket and any(a.scope is Scope.OWN_BUCKET for a in actions)
        for scope, sid in (
            (Scope.ANY, "IacGenerator"),
            (Scope.STACK, "Stacks"),
            (Scope.OBJECT, "Bodies"),
            (Scope.BUCKET, "BodiesBucket"),
        ):
            names = sorted({a.name for a in actions if a.scope is scope})
            if not names or (scope in (Scope.OBJECT, Scope.BUCKET) and not self.buckets):
                continue
            statements.append(
                {"Sid": sid, "Effect": "Allow", "Action": names, "Resource": self._resources(scope)}
            )
        if own:
            from iacgen.core.bodies_bucket import PREFIX

            bucket = [a.name for a in actions if a.scope in (Scope.OWN_BUCKET, Scope.BUCKET)]
            objects = [a.name for a in actions if a.scope is Scope.OBJECT]
            statements += [
                {
                    "Sid": "TemplatesBucket",
                    "Effect": "Allow",
                    "Action": sorted(bucket),
                    "Resource": [f"arn:aws:s3:::{PREFIX}-*"],
                },
                {
                    "Sid": "TemplatesBodies",
                    "Effect": "Allow",
                    "Action": sorted(objects),
                    "Resource": [f"arn:aws:s3:::{PREFIX}-*/{S3_PREFIX}*"],
                },
            ]
        return {"Version": POLICY_VERSION, "Statement": statements}

    def _resources(self, scope: Scope) -> str | list[str]:
        if scope is Scope.STACK and self.stacks:
            return [f"arn:aws:cloudformation:*:*:stack/{s}/*" for s in self.stacks]
        if scope is Scope.OBJECT:
            return [f"arn:aws:s3:::{b}/{S3_PREFIX}*" for b in self.buckets]
        if scope is Scope.BUCKET:
            return [f"arn:aws:s3:::{b}" for b in self.buckets]
        return "*"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def policy_document(
    command: str | None = None,
    *,
    stacks: list[str] | None = None,
    buckets: list[str] | None = None,
    config: Path | None = None,
    create_bucket: bool = False,
) -> PolicyDocument:
    """The policy for one command (every command's when None), scoped to the stacks and buckets given or
    named by the manifest at `config`."""
    if command is not None and command not in COMMANDS:
        raise UsageError(
            f"no IAM permissions are listed for {command!r}",
            f"use one of: {', '.join(COMMANDS)} (other commands make no AWS call)",
        )
    stack_names, bucket_names = list(stacks or []), list(buckets or [])
    for name in stack_names:  # a name, or an IAM wildcard pattern of names (web-*)
        if not re.fullmatch(r"[A-Za-z*?][-A-Za-z0-9*?]{0,127}", name):
            raise UsageError(
                f"--stack {name!r} is not a stack name",
                "a stack name has letters, digits and hyphens and starts with a letter (* and ? match)",
            )
    if config is not None:
        from iacgen.core.manifest import load_manifest

        manifest = load_manifest(config)
        stack_names += [t.stack_name for t in manifest.templates]
        bucket_names += [t.s3_bucket for t in manifest.templates if t.s3_bucket]
    return PolicyDocument(
        commands=[command] if command else list(COMMANDS),
        stacks=sorted(set(stack_names)),
        buckets=sorted(set(bucket_names)),
        create_bucket=create_bucket,
    )


def readme_table() -> str:
    """The README's IAM table, generated (a test keeps the README equal to it)."""
    rows = ["| Command | Actions | Notes |", "|---|---|---|"]
    for perms in COMMANDS.values():
        actions = ", ".join(f"`{a}`" for a in perms.names)
        rows.append(f"| `{perms.command}` | {actions} | {perms.note} |")
    return "\n".join(rows) + "\n"
