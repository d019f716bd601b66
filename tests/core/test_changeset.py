"""IMPORT change sets against the local cloud: imports adopt the seeded objects (same physical ids, no new
EC2 objects), dry runs leave nothing behind, rollbacks name their cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from iacgen.core import changeset
from iacgen.core.errors import UsageError
from iacgen.core.preflight import ImportPlan, plan_import
from iacgen.core.stacks import StackEventInfo
from tests.import_fixtures import (
    REGION,
    WORKSHOP,
    bucket_files,
    ec2_counts,
    physical_ids,
    seeded_ids,
    stack_names,
    write_files,
)


def adopt(aws: Any, plan: ImportPlan) -> changeset.ExecuteResult:
    return changeset.execute(aws, changeset.create_change_set(aws, plan, timeout=60), timeout=60)


def test_import_adopts_the_seeded_resources(aws: Any, workshop: Any) -> None:
    template, resources = write_files(workshop)
    before = ec2_counts()
    plan = plan_import(aws, stack="workshop", template_path=template, resources_path=resources)
    statuses: list[str] = []
    result = changeset.create_change_set(aws, plan, timeout=60, on_progress=statuses.append)
    assert statuses and statuses[-1] == "CREATE_COMPLETE"
    assert {c.logical_id: c.action for c in result.changes} == dict.fromkeys(WORKSHOP, "Import")
    events: list[StackEventInfo] = []
    executed = changeset.execute(aws, result, timeout=60, on_event=events.append)
    assert executed.status == "IMPORT_COMPLETE"
    assert {r.logical_id: r.physical_id for r in executed.resources} == seeded_ids(workshop)
    assert physical_ids("workshop") == seeded_ids(workshop)
    assert ec2_counts() == before
    assert events and events[-1].status == "IMPORT_COMPLETE"
    assert len({e.event_id for e in events}) == len(events)


def test_discard_leaves_no_change_set_and_no_stack(aws: Any) -> None:
    template, resources = bucket_files(["dry-logs", "dry-data"])
    plan = plan_import(aws, stack="dry", template_path=template, resources_path=resources)
    result = changeset.create_change_set(aws, plan, timeout=60)
    discarded = changeset.discard(aws, result)
    assert discarded.change_set_deleted and discarded.stack_deleted
    assert "dry" not in stack_names()
    cfn = boto3.client("cloudformation", region_name=REGION)
    with pytest.raises(cfn.exceptions.ClientError):
        cfn.describe_change_set(ChangeSetName=result.change_set_id)


def test_derived_identifier_imports_a_bucket(aws: Any, cloud: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="hand-made-logs")
    Path("bucket.yaml").write_text(
        "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
        "    Properties:\n      BucketName: hand-made-logs\n"
    )
    plan = plan_import(aws, stack="logs", template_path="bucket.yaml")
    assert [(r.logical_id, r.identifier, r.identifier_source) for r in plan.to_import] == [
        ("Logs", {"BucketName": "hand-made-logs"}, "derived")
    ]
    executed = adopt(aws, plan)
    assert physical_ids("logs") == {"Logs": "hand-made-logs"}
    assert executed.status == "IMPORT_COMPLETE"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["hand-made-logs"]


def test_existing_stack_is_merged_and_rerun_does_nothing(aws: Any, workshop: Any) -> None:
    first = ["VPC", "InternetGateway"]
    template, resources = write_files(workshop, first, stem="net", outputs=True)
    plan = plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    adopt(aws, plan)
    # A second template with only the new resources: the stack's own are merged into the body.
    second = ["Subnet", "RouteTable", "SecurityGroup"]
    template2, resources2 = write_files(workshop, second, stem="more")
    template2.write_text(template2.read_text().replace("!Ref VPC", f"{workshop.vpc_id}"))
    plan2 = plan_import(aws, stack="ws", template_path=template2, resources_path=resources2)
    assert not plan2.new_stack
    assert sorted(plan2.kept_from_stack) == sorted(first)
    assert [r.logical_id for r in plan2.to_import] == second
    executed = adopt(aws, plan2)
    assert executed.status == "IMPORT_COMPLETE"
    assert physical_ids("ws") == seeded_ids(workshop, first + second)
    # Re-running the first import finds everything in place.
    again = plan_import(aws, stack="ws", template_path=template, resources_path=resources)
    assert again.nothing_to_import and sorted(again.already_in_stack) == sorted(first)
    with pytest.raises(UsageError, match="nothing to import"):
        changeset.create_change_set(aws, again)


def test_resource_owned_by_another_stack_fails_the_change_set_and_leaves_nothing(aws: Any) -> None:
    """The service does not refuse the request: the change set ends FAILED ("<id> already exists in stack
    <ARN>"). The product reports it as a policy failure (exit 1) and cleans up the change set and stack."""
    from iacgen.core.errors import PolicyFailure

    template, resources = bucket_files(["owned-logs"])
    plan = plan_import(aws, stack="owner", template_path=template, resources_path=resources)
    adopt(aws, plan)
    other = plan_import(aws, stack="thief", template_path=template, resources_path=resources)
    with pytest.raises(PolicyFailure) as err:
        changeset.create_change_set(aws, other, timeout=60)
    assert err.value.exit_code == 1
    assert "owned-logs" in err.value.message and ":stack/owner/" in err.value.message
    assert "thief" not in stack_names()
    cfn = boto3.client("cloudformation", region_name=REGION)
    from moto.cloudformation.models import cloudformation_backends

    left = cloudformation_backends["123456789012"][REGION].change_sets.values()
    assert [cs.stack_name for cs in left] == ["owner"]  # the owner's executed one; the failed one is gone
    assert cfn.describe_stacks(StackName="owner")["Stacks"][0]["StackStatus"] == "IMPORT_COMPLETE"


def test_rollback_reports_the_failed_events(aws: Any) -> None:
    template, resources = bucket_files(["gone-logs", "kept-logs"])
    plan = plan_import(aws, stack="gone", template_path=template, resources_path=resources)
    result = changeset.create_change_set(aws, plan, timeout=60)
    boto3.client("s3", region_name=REGION).delete_bucket(Bucket="gone-logs")  # deleted before execution
    with pytest.raises(changeset.ImportRolledBack) as err:
        changeset.execute(aws, result, timeout=60)
    assert err.value.exit_code == 1
    assert err.value.status == "IMPORT_ROLLBACK_COMPLETE"
    assert [(e.logical_id, e.status) for e in err.value.events] == [("GoneLogs", "IMPORT_FAILED")]
    assert "ended IMPORT_ROLLBACK_COMPLETE: GoneLogs: " in err.value.message
    assert "\n" not in err.value.message
    # The rolled-back stack holds nothing; importing what still exists works and merges nothing stale.
    template2, resources2 = bucket_files(["kept-logs"], stem="kept", create=False)
    plan2 = plan_import(aws, stack="gone", template_path=template2, resources_path=resources2)
    assert plan2.kept_from_stack == [] and "GoneLogs" not in plan2.body
    adopt(aws, plan2)
    assert physical_ids("gone") == {"KeptLogs": "kept-logs"}


def test_execute_follows_this_import_not_the_status_before_it(aws: Any) -> None:
    """Right after ExecuteChangeSet, DescribeStacks can still show the stack's status from before: an earlier
    import's IMPORT_COMPLETE must not pass for this one, which rolls back."""
    first, first_ids = bucket_files(["first-logs"], stem="first")
    adopt(aws, plan_import(aws, stack="lag", template_path=first, resources_path=first_ids))
    late, late_ids = bucket_files(["late-logs"], stem="late")
    plan = plan_import(aws, stack="lag", template_path=late, resources_path=late_ids)
    result = changeset.create_change_set(aws, plan, timeout=60)
    boto3.client("s3", region_name=REGION).delete_bucket(Bucket="late-logs")  # the import will roll back
    lagging: dict[str, bool] = {}

    def executed(**_: Any) -> None:
        lagging["next"] = True

    def stale(parsed: dict[str, Any], **_: Any) -> None:
        if lagging.pop("next", False) and parsed.get("Stacks"):
            parsed["Stacks"][0]["StackStatus"] = "IMPORT_COMPLETE"

    events = aws.cloudformation.meta.events
    events.register("after-call.cloudformation.ExecuteChangeSet", executed)
    events.register("after-call.cloudformation.DescribeStacks", stale)
    with pytest.raises(changeset.ImportRolledBack) as err:
        changeset.execute(aws, result, timeout=60)
    assert err.value.status == "IMPORT_ROLLBACK_COMPLETE"
    assert [(e.logical_id, e.status) for e in err.value.events] == [("LateLogs", "IMPORT_FAILED")]
    assert physical_ids("lag") == {"FirstLogs": "first-logs"}
