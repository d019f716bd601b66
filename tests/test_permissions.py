"""The IAM data is the one source: the README's table, the example CI policy and `iacgen iam-policy` all match
it, and the CI policy can never execute a change set."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from iacgen.core.permissions import COMMANDS, policy_document, readme_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_iam_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- iam-table:[^>]*-->\n(.*?)<!-- /iam-table -->", readme, re.DOTALL)
    assert found is not None, "the README lost its iam-table markers"
    assert found.group(1) == readme_table(), "paste permissions.readme_table() in"


def test_the_example_ci_policy_is_generated_from_the_example_manifest() -> None:
    committed = (ROOT / "examples" / "iam-policy-ci.json").read_text(encoding="utf-8")
    generated = policy_document("ci", config=ROOT / "examples" / "iacgen.yaml").to_json()
    assert committed == generated, "regenerate: iacgen iam-policy --command ci --config examples/iacgen.yaml"
    actions = [a for s in json.loads(committed)["Statement"] for a in s["Action"]]
    assert "cloudformation:ExecuteChangeSet" not in actions
    assert "cloudformation:CreateChangeSet" in actions and "cloudformation:DeleteChangeSet" in actions
    stacks = next(s for s in json.loads(committed)["Statement"] if s["Sid"] == "Stacks")
    assert stacks["Resource"] == ["arn:aws:cloudformation:*:*:stack/workshop/*"]


def test_iam_policy_prints_one_commands_policy_scoped_as_asked(cli: Any) -> None:
    result = cli("iam-policy", "--command", "warnings")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "IacGenerator",
                "Effect": "Allow",
                "Action": ["cloudformation:DescribeGeneratedTemplate"],
                "Resource": "*",
            }
        ],
    }
    scoped = cli("iam-policy", "--command", "import", "--stack", "web", "--s3-bucket", "b").json()
    by_sid = {s["Sid"]: s for s in scoped["Statement"]}
    assert by_sid["Stacks"]["Resource"] == ["arn:aws:cloudformation:*:*:stack/web/*"]
    assert "cloudformation:ExecuteChangeSet" in by_sid["Stacks"]["Action"]
    assert by_sid["Bodies"]["Resource"] == ["arn:aws:s3:::b/iacgen/*"]
    assert by_sid["BodiesBucket"] == {
        "Sid": "BodiesBucket",
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": ["arn:aws:s3:::b"],
    }
    everything = cli("iam-policy").json()
    listed = {a for s in everything["Statement"] for a in s["Action"]}
    assert listed == {a.name for c in COMMANDS.values() for a in c.actions if a.name.split(":")[0] != "s3"}


def test_iam_policy_for_an_unknown_command_is_a_usage_error(cli: Any) -> None:
    result = cli("iam-policy", "--command", "patch")
    assert result.exit_code == 2
    assert "no IAM permissions are listed for 'patch'" in result.stderr
    assert result.stdout == ""


def test_create_bucket_adds_iacgens_own_bucket_and_nothing_else_does(cli: Any) -> None:
    plain = cli("iam-policy", "--command", "import").json()
    assert not any("s3:CreateBucket" in s["Action"] for s in plain["Statement"])
    made = cli("iam-policy", "--command", "import", "--create-bucket").json()
    by_sid = {s["Sid"]: s for s in made["Statement"]}
    assert by_sid["TemplatesBucket"]["Resource"] == ["arn:aws:s3:::iacgen-templates-*"]
    assert {"s3:CreateBucket", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"} <= set(
        by_sid["TemplatesBucket"]["Action"]
    )
    assert "s3:ListBucket" in by_sid["TemplatesBucket"]["Action"]  # HeadBucket
    assert by_sid["TemplatesBodies"]["Resource"] == ["arn:aws:s3:::iacgen-templates-*/iacgen/*"]
    assert "s3:PutObject" in by_sid["TemplatesBodies"]["Action"]
