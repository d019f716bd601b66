"""`iacgen ci` against the local cloud: the verdicts and their exit codes, the reports (SARIF validated
against the 2.1.0 schema, each location's line holding its logical id), every API call allowed by the
example CI policy, and an account left exactly as it was found after every run."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import REGION

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

MANIFEST = """\
version: 1
templates:
  - name: workshop
    select: ["tag:Name=workshop"]
    related: true
    path: workshop.yaml
    policies:
      deletion: DELETE
      overrides:
        - {type: "AWS::EC2::KeyPair", deletion: Retain}
    stack: {name: workshop, mode: new}
"""


def account_is_clean() -> None:
    """No generated template, no stack (not even REVIEW_IN_PROGRESS), hence no change set."""
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_generated_templates()["Summaries"] == []
    stacks = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert stacks == []


def write(text: str = MANIFEST) -> None:
    Path("iacgen.yaml").write_text(text)


def report() -> dict[str, Any]:
    return dict(json.loads(Path("iacgen-report/report.json").read_text()))


def test_a_clean_plan_exits_0_with_reports_and_leaves_nothing(cli: Any, workshop: Any) -> None:
    import jsonschema

    write()
    result = cli("ci")
    assert result.exit_code == 0, result.stderr
    assert "iacgen ci: PASS (exit 0): 1 template(s), 17 resource(s) to import" in result.stdout
    data = report()
    assert (data["schema_version"], data["verdict"], data["exit_code"], data["reasons"]) == (1, "pass", 0, [])
    (t,) = data["templates"]
    assert t["new_stack"] is True and t["preflight"]["passed"] is True
    assert t["change_set"]["status"] == "CREATE_COMPLETE"
    assert (
        sorted(c["action"] for c in t["change_set"]["changes"]) == ["Import"] * 17
    )  # 14, the interface, two local routes
    ids = {r["logical_id"]: r for r in t["resources"]}
    assert ids["EC2VPC"]["why"] == "selected"
    assert ids["EC2VPC"]["identifier"] == {"VpcId": workshop.vpc_id}
    default_route = next(r for r in ids.values() if r["identifier"].get("CidrBlock") == "0.0.0.0/0")
    assert default_route["why"].startswith("related (depth 1) via ")
    assert [p["logical_id"] for p in t["patches"]] == ["EC2KeyPairWorkshopkey"]
    assert data["api_calls"]["cloudformation:CreateChangeSet"] == 1
    assert data["api_calls"]["cloudformation:DeleteGeneratedTemplate"] == 1
    assert "cloudformation:ExecuteChangeSet" not in data["api_calls"]
    assert all(c["removed"] for c in data["cleanup"]) and len(data["cleanup"]) == 2
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    assert Path("iacgen-report/report.md").read_text().startswith("## iacgen ci: ✅ PASS (exit 0)")
    assert not Path("workshop.yaml").exists()  # the committed file is never written
    # the files to commit, named as the manifest's: the generated template itself is gone
    assert {p.name for p in Path("iacgen-report/templates").iterdir()} == {
        "workshop.yaml",
        "workshop.resources.json",
    }
    assert "details in the report" in result.stderr and "iacgen warnings iacgen-ci-" not in result.stderr
    import stat

    # ci's records hold the account's ids: as private as the state file
    modes = {
        p: stat.S_IMODE(Path(p).stat().st_mode)
        for p in (".iacgen", ".iacgen/ci", ".iacgen/ci/ci-cleanup.json")
    }
    assert modes == {".iacgen": 0o700, ".iacgen/ci": 0o700, ".iacgen/ci/ci-cleanup.json": 0o600}
    account_is_clean()


def test_fail_on_a_warning_type_exits_1_and_sarif_points_at_each_resource(
    cli: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import jsonschema

    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write()
    result = cli("ci", "--fail-on", "unsupported_properties")
    assert result.exit_code == 1, result.stderr
    data = report()
    assert data["verdict"] == "fail"
    assert data["reasons"] == [
        "workshop: fail_on UNSUPPORTED_PROPERTIES on 3 resources (7 properties): "
        "EC2Instance, EC2NetworkInterface, EC2Subnet"
    ]
    assert "why it fails:" in result.stdout
    assert summary.read_text().startswith("earlier step\n## iacgen ci: ❌ FAIL (exit 1)")
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    failing = [r for r in results if r["properties"]["fails"]]
    assert failing and all(r["ruleId"] == "UNSUPPORTED_PROPERTIES" and r["level"] == "error" for r in failing)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "write-only" in rules["UNSUPPORTED_PROPERTIES"]["help"]["text"]
    checked = 0
    for r in results:
        (location,) = r["locations"]
        if "logicalLocations" not in location:
            continue
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        line = location["physicalLocation"]["region"]["startLine"]
        text = Path(uri).read_text().splitlines()[line - 1]
        assert location["logicalLocations"][0]["name"] in text, (uri, line, text)
        checked += 1
    assert checked >= 6
    account_is_clean()


def test_drift_against_the_committed_template_fails_when_asked(cli: Any, workshop: Any) -> None:
    write()
    assert cli("ci").exit_code == 0
    committed = Path("iacgen-report/templates/workshop.yaml").read_text()
    Path("workshop.yaml").write_text(committed)  # the reviewed template, committed with its identifiers
    resources = Path("iacgen-report/templates/workshop.resources.json")
    Path("workshop.resources.json").write_text(resources.read_text())
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_tags(Resources=[workshop.vpc_id], Tags=[{"Key": "Name", "Value": "changed-by-hand"}])
    # The tag selection no longer matches the VPC; select it by id so it stays in the plan.
    write(MANIFEST.replace('"tag:Name=workshop"', f'"tag:Name=workshop", "id={workshop.vpc_id}"'))
    assert cli("ci").exit_code == 0  # drift is reported, not failed on, unless asked
    data = report()
    assert data["scan"]["action"] == "reused"  # the first run's scan, picked by the manifest's max_age
    (t,) = data["templates"]
    changed = [i for i in t["drift"]["items"] if i["kind"] == "changed"]
    assert [(i["logical_id"], i["matched_by"]) for i in changed] == [("EC2VPC", "identifier")]
    assert [(d["path"], d["committed"], d["generated"]) for d in changed[0]["diffs"]] == [
        ("Properties.Tags[0].Value", "workshop", "changed-by-hand")
    ]
    result = cli("ci", "--fail-on", "drift")
    assert result.exit_code == 1, result.stderr
    assert any("EC2VPC (AWS::EC2::VPC) changed: Properties.Tags[0].Value" in r for r in report()["reasons"])
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    drift = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "drift-changed"]
    (location,) = drift[0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "workshop.yaml"
    line = location["physicalLocation"]["region"]["startLine"]
    assert Path("workshop.yaml").read_text().splitlines()[line - 1].strip() == "EC2VPC:"
    assert Path("workshop.yaml").read_text() == committed  # never touched
    account_is_clean()


def test_a_preflight_failure_exits_1(cli: Any, workshop: Any) -> None:
    write(MANIFEST.replace("mode: new", "mode: existing"))
    result = cli("ci")
    assert result.exit_code == 1, result.stderr
    assert report()["reasons"] == [
        "workshop: stack workshop does not exist but the manifest says mode: existing"
    ]
    assert report()["templates"][0]["change_set"] is None
    account_is_clean()


def test_two_templates_that_plan_the_same_resources_fail(cli: Any, workshop: Any) -> None:
    """Each dry run passes alone; the second real import would fail, as a resource belongs to one stack."""
    write(
        "version: 1\ntemplates:\n"
        "  - {name: net, select: ['tag:Name=workshop'], related: false, stack: {name: net, mode: new}}\n"
        "  - {name: again, select: ['type=AWS::EC2::VPC'], related: false, stack: {name: again, mode: new}}\n"
    )
    result = cli("ci")
    assert result.exit_code == 1, result.stderr
    (reason,) = report()["reasons"]
    assert reason.startswith(f"again: 1 resource(s) are in template net's plan too ({workshop.vpc_id})")
    assert [f["rule"] for f in report()["templates"][0]["findings"] if f["fails"]] == []
    account_is_clean()


LINTED = """\
version: 1
templates:
  - name: queues
    select: ["tag:team=orders"]
    stack: {name: queues, mode: new}
"""


def test_a_cfn_lint_error_exits_1_and_sarif_points_at_its_resource(cli: Any, cloud: None) -> None:
    """A generated template that cfn-lint rejects: the service writes what the resource holds, and can be
    ahead of the provider schemas cfn-lint ships (aws/aws-cdk-cli#1476). A queue retention below the schema's
    minimum stands in for that here (moto accepts 30 s; SQS itself would refuse it)."""
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="orders", Attributes={"MessageRetentionPeriod": "30"}, tags={"team": "orders"})
    write(LINTED)
    result = cli("ci")
    assert result.exit_code == 1, result.stderr
    data = report()
    assert data["verdict"] == "fail"
    (reason,) = data["reasons"]
    assert reason == (
        "queues: cfn-lint E3034 at Resources.SQSQueueOrders.Properties.MessageRetentionPeriod: "
        "30 is less than the minimum of 60"
    ), reason
    (t,) = data["templates"]
    assert t["lint"]["errors"] == 1
    assert [f["rule"] for f in t["lint"]["findings"] if f["level"] == "error"] == ["E3034"]
    assert t["change_set"]["status"] == "CREATE_COMPLETE"  # the rest of the plan still runs, then is removed
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    (lint,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "E3034"]
    assert lint["level"] == "error"
    (location,) = lint["locations"]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    line = location["physicalLocation"]["region"]["startLine"]
    assert Path(uri).read_text().splitlines()[line - 1].strip() == "SQSQueueOrders:"  # its resource's line
    account_is_clean()


BUCKETS = """\
version: 1
templates:
  - name: data
    select: ["type=AWS::S3::Bucket"]
    policies: {deletion: DELETE}
    stack: {name: data, mode: new}
"""


def test_delete_on_a_bucket_needs_the_manifest_to_allow_it(cli: Any, cloud: None) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="hand-made-data")
    write(BUCKETS)
    refused = cli("ci")
    assert refused.exit_code == 2, refused.stderr
    assert "error: data: DeletionPolicy DELETE on 1 stateful resource would let a stack deletion destroy" in (
        " ".join(refused.stderr.split())
    )
    assert "policies.allow_delete_policy: true accepts that" in refused.stderr  # the manifest's words
    assert "--allow-delete-policy" not in refused.stderr and "Traceback" not in refused.stderr
    account_is_clean()

    write(BUCKETS.replace("{deletion: DELETE}", "{deletion: DELETE, allow_delete_policy: true}"))
    allowed = cli("ci")
    assert allowed.exit_code == 0, allowed.stderr
    from ruamel.yaml import YAML

    resources = YAML(typ="safe").load(Path("iacgen-report/templates/data.yaml"))["Resources"]
    assert [(r["Type"], r["DeletionPolicy"]) for r in resources.values()] == [("AWS::S3::Bucket", "Delete")]
    account_is_clean()


def test_a_literal_secret_is_reported_without_its_value_and_fails_when_asked(
    cli: Any, app_world: Any
) -> None:
    secret = "hunter2-but-longer"
    boto3.client("lambda", region_name=REGION).update_function_configuration(
        FunctionName=app_world.function_name,
        Environment={"Variables": {"TABLE": app_world.table_name, "DB_PASSWORD": secret}},
    )
    manifest = (
        "version: 1\ntemplates:\n  - name: fn\n"
        f'    select: ["id={app_world.function_name}"]\n    related: false\n'
    )
    write(manifest)
    unnamed = cli("ci")  # the code's location is write-only: the manifest must give it
    assert unnamed.exit_code == 1
    (reason,) = report()["reasons"]
    assert "without a value: LambdaFunctionOrdershandlerCodeS3BucketOneOf" in reason, reason
    # named without the random suffix, stable across generations, as the hint says
    assert "parameters: LambdaFunctionOrdershandlerCodeS3Bucket=VALUE" in reason, reason
    write(
        manifest + "    parameters: {LambdaFunctionOrdershandlerCodeS3Bucket: code-bucket, "
        "LambdaFunctionOrdershandlerCodeS3Key: orders.zip}\n"
    )
    reported = cli("ci")
    assert reported.exit_code == 0, reported.stdout  # reported, not failed on, unless asked
    (t,) = report()["templates"]
    (found,) = [f for f in t["findings"] if f["kind"] == "secret"]
    assert found["rule"] == "literal-secret" and found["level"] == "warning" and not found["fails"]
    assert found["message"].startswith("LambdaFunction")
    assert "Properties.Environment.Variables.DB_PASSWORD: a literal secret" in found["message"]
    for name in ("report.json", "report.md", "report.sarif"):
        assert secret not in Path("iacgen-report", name).read_text(), name
    sarif = json.loads(Path("iacgen-report/report.sarif").read_text())
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "--secrets" in rules["literal-secret"]["help"]["text"]

    failed = cli("ci", "--fail-on", "secrets")
    assert failed.exit_code == 1, failed.stderr
    assert any("DB_PASSWORD: a literal secret" in r for r in report()["reasons"])
    account_is_clean()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MANIFEST.replace('"tag:Name=workshop"', '"tag:Name=workshop", "nope"'), "templates[0].select[1]:"),
        (
            MANIFEST.replace("related: true", "related: true\n    colour: red"),
            "templates[0].colour: unknown key",
        ),
        (MANIFEST + "    parameters: {Secret: {env: IACGEN_TEST_UNSET}}\n", "IACGEN_TEST_UNSET is not set"),
    ],
)
def test_a_bad_manifest_exits_2_before_anything_is_created(
    cli: Any, workshop: Any, text: str, expected: str
) -> None:
    write(text)
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("iacgen-report").exists()
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_resource_scans()["ResourceScanSummaries"] == []
    account_is_clean()


def test_a_report_dir_that_cannot_be_written_exits_2_before_any_call(cli: Any, workshop: Any) -> None:
    write()
    Path("rep").write_text("a file\n")
    result = cli("ci", "--report-dir", "rep")
    assert result.exit_code == 2, result.stderr
    assert "rep is not a directory, so rep/report.json cannot be written" in result.stderr
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_resource_scans()["ResourceScanSummaries"] == []
    account_is_clean()


@pytest.mark.parametrize("where", ["/nonexist/dir/f", "a directory"])
def test_a_bad_step_summary_exits_2_before_any_call_and_no_report_claims_a_verdict(
    cli: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    summary = str(tmp_path) if where == "a directory" else where
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", summary)
    write()
    result = cli("ci")
    assert result.exit_code == 2, result.stderr
    error, hint = result.stderr.splitlines()
    assert error.startswith(f"error: GITHUB_STEP_SUMMARY={summary}"), result.stderr
    assert "GITHUB_STEP_SUMMARY" in hint and "--state-dir" not in hint and "--out" not in hint
    assert not Path("iacgen-report").exists()
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_resource_scans()["ResourceScanSummaries"] == []
    account_is_clean()


def test_bad_fail_on_and_a_missing_manifest_exit_2(cli: Any) -> None:
    result = cli("ci")
    assert result.exit_code == 2 and "iacgen.yaml: no such file" in result.stderr
    write()
    result = cli("ci", "--fail-on", "drift,bogus")
    assert result.exit_code == 2 and "--fail-on: expected drift, secrets or a warning type" in result.stderr


def _allowed(policy: dict[str, Any], action: str, resource: str) -> bool:
    for statement in policy["Statement"]:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        if action in statement["Action"] and any(fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


def _resource(service: str, params: dict[str, Any]) -> str:
    """The ARN IAM authorises the call on: the stack named (an ARN names its stack after 'stack/'), the
    object; '*' for calls that name none."""
    if service == "cloudformation":
        stack = str(params.get("StackName") or "")
        if stack.startswith("arn:"):
            stack = stack.split(":stack/", 1)[1].split("/")[0] if ":stack/" in stack else ""
        return f"arn:aws:cloudformation:{REGION}:123456789012:stack/{stack}/id" if stack else "*"
    if service == "s3":
        return f"arn:aws:s3:::{params['Bucket']}/{params.get('Key', '')}"
    return "*"


def test_every_api_call_ci_makes_is_allowed_by_the_example_policy(workshop: Any) -> None:
    from iacgen.core.ci import CiRequest, run_ci
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace

    policy = json.loads((ROOT / "examples" / "iam-policy-ci.json").read_text())
    write()
    aws = Aws(AwsSettings(region=REGION))
    calls: list[tuple[str, str]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.signing_name
        action = f"{service}:{model.name}"
        body = params.get("body") if isinstance(params.get("body"), dict) else {}
        calls.append((action, _resource(service, params.get("query_string") or body or {})))

    aws.session.events.register("before-call", record)
    run = run_ci(Workspace(), aws, CiRequest())
    assert run.exit_code == 0, run.reasons
    assert {a for a, _ in calls} >= {"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet"}
    # Stack-scoped calls carry the stack; the policy's stack statement is checked for those by name.
    denied = [
        (a, r)
        for a, r in calls
        if not _allowed(policy, a, r)
        and not _allowed(policy, a, "arn:aws:cloudformation:x:y:stack/workshop/z")
    ]
    assert denied == []
    assert sum(run.api_calls.values()) == len(calls)


def test_a_failed_change_set_exits_1_and_is_deleted(cli: Any, workshop: Any, local_settings: Any) -> None:
    write()
    local_settings.configure(fail_next_change_set="Resource EC2VPC is already managed by stack other")
    result = cli("ci")
    assert result.exit_code == 1, result.stderr
    (reason,) = report()["reasons"]
    assert "FAILED: Resource EC2VPC is already managed by stack other" in reason
    assert report()["templates"][0]["findings"][-1]["kind"] == "change_set"
    account_is_clean()


def test_what_could_not_be_removed_is_reported_and_removed_by_the_next_run(
    cli: Any, workshop: Any, local_settings: Any
) -> None:
    write()
    local_settings.configure(faults="DeleteGeneratedTemplate=denied:1:1")
    first = cli("ci")
    assert first.exit_code == 0, first.stderr
    left = [c for c in report()["cleanup"] if not c["removed"]]
    assert [c["kind"] for c in left] == ["generated_template"]
    assert f"not cleaned up (the next run retries): {left[0]['id']}" in first.stdout
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert [t["GeneratedTemplateName"] for t in cfn.list_generated_templates()["Summaries"]] == [
        left[0]["id"]
    ]
    second = cli("ci")
    assert second.exit_code == 0, second.stderr
    earlier = [c for c in report()["cleanup"] if c["from_earlier_run"]]
    assert [(c["id"], c["removed"]) for c in earlier] == [(left[0]["id"], True)]
    assert "removing 1 object(s) an earlier, interrupted ci run left behind" in second.stderr
    account_is_clean()


def test_init_writes_a_starter_that_ci_accepts_and_never_overwrites(cli: Any, workshop: Any) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    text = Path("iacgen.yaml").read_text()
    assert text.startswith("# iacgen.yaml") and "as an example" in text
    before = Path("iacgen.yaml").read_bytes()
    again = cli("init")
    assert again.exit_code == 2 and "iacgen.yaml already exists" in again.stderr
    assert Path("iacgen.yaml").read_bytes() == before
    assert cli("ci").exit_code == 0  # the example selects the workshop scenario
    account_is_clean()


def test_init_starts_from_the_last_generate_here(cli: Any, workshop: Any) -> None:
    assert cli("-q", "scan").exit_code == 0
    narrow = (
        "--select",
        f"id={workshop.vpc_id}",
        "--exclude",
        "type=AWS::EC2::KeyPair",
        "--related-depth",
        "1",
    )
    assert cli("-q", "generate", "web", *narrow).exit_code == 0
    result = cli("-o", "json", "init", "--out", "ci.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.json() == {"path": "ci.yaml", "origin": "last generate", "template": "web"}
    from iacgen.core.manifest import load_manifest

    (entry,) = load_manifest(Path("ci.yaml")).templates  # generate's own selection, not a broader one
    assert (
        entry.name,
        entry.select,
        entry.exclude,
        entry.related,
        entry.depth,
        str(entry.template_path),
    ) == (
        "web",
        [f"id={workshop.vpc_id}"],
        ["type=AWS::EC2::KeyPair"],
        True,
        1,
        "web.yaml",
    )
    planned = cli("ci", "--config", "ci.yaml")
    assert planned.exit_code == 0, planned.stderr
    generated = json.loads(Path("web.resources.json").read_text())
    assert sorted(r["identifier"].items() for r in report()["templates"][0]["resources"]) == sorted(
        e["ResourceIdentifier"].items() for e in generated
    )  # the plan ci checks is the one generate made


def test_an_aws_side_error_exits_3_with_reports_and_nothing_left(
    cli: Any, workshop: Any, local_settings: Any
) -> None:
    write()
    local_settings.configure(faults="CreateChangeSet=denied")
    result = cli("ci")
    assert result.exit_code == 3, result.stderr
    data = report()
    assert data["verdict"] == "error" and data["exit_code"] == 3
    (reason,) = data["reasons"]
    assert reason.startswith("workshop: ") and "CreateChangeSet" in reason and "AccessDenied" in reason
    assert all(c["removed"] for c in data["cleanup"])
    account_is_clean()


def test_a_step_summary_failing_after_the_checks_names_it_and_leaves_no_report(tmp_path: Path) -> None:
    """The race the check before the run cannot close (the directory removed meanwhile): the error says
    what the path was for, and no report claims the verdict the exit code contradicts."""
    from iacgen.core.errors import UsageError
    from iacgen.core.report import write_report_files

    with pytest.raises(UsageError) as caught:
        write_report_files(tmp_path / "rep", {}, "md", {}, tmp_path / "gone" / "summary.md")
    assert caught.value.message.startswith(f"GITHUB_STEP_SUMMARY: {tmp_path / 'gone' / 'summary.md'}: ")
    assert "GITHUB_STEP_SUMMARY" in (caught.value.hint or "") and "--out" not in (caught.value.hint or "")
    assert not (tmp_path / "rep").exists()


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ("mkdir committed", [], "iacgen.yaml:6: templates[0].path: committed: is a directory"),
        ("/dev/null", [], "iacgen.yaml:6: templates[0].path: /dev/null: is a device or socket"),
        ("", ["--report-dir", "/proc/x"], "the report directory /proc/x: /proc/x/report.json cannot be"),
        (
            "mkdir iacgen-report/templates/workshop.yaml",
            [],
            "the report directory iacgen-report: iacgen-report/templates/workshop.yaml is a directory",
        ),
    ],
)
def test_a_path_ci_cannot_use_is_exit_2_before_any_call_and_nothing_is_created(
    cli: Any, workshop: Any, setup: str, args: list[str], expected: str
) -> None:
    path = "workshop.yaml"
    if setup.startswith("mkdir "):
        Path(setup.removeprefix("mkdir ")).mkdir(parents=True)
        path = "committed" if setup == "mkdir committed" else path
    elif setup:
        path = setup
    write(MANIFEST.replace("path: workshop.yaml", f"path: {path}"))
    before = sorted(str(p) for p in Path().rglob("*"))
    result = cli("ci", *args)
    assert result.exit_code == 2, result.stderr
    error, hint = result.stderr.splitlines()
    assert error.startswith(f"error: {expected}"), result.stderr
    assert ("--report-dir" in hint) == ("report directory" in expected), hint
    assert "--state-dir" not in hint and "--out" not in hint, hint
    assert sorted(str(p) for p in Path().rglob("*")) == before  # no report dir, no .iacgen, nothing
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.list_resource_scans()["ResourceScanSummaries"] == []
    account_is_clean()
