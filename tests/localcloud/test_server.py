"""The local cloud over HTTP: `iacgen local start/status/seed/stop` in subprocesses, driven by the AWS CLI and
boto3 through the whole adoption workflow (scan, related, generate, warnings, IMPORT, execute)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.server

REGION = "us-east-1"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IACGEN_"))}
    env.update(
        IACGEN_HOME=str(home),
        IACGEN_LOCAL_SCAN_SECONDS="0.1",
        IACGEN_LOCAL_TEMPLATE_SECONDS="0.1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        NO_COLOR="1",
    )
    return env


def iacgen(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iacgen", *args], env=_env(home), capture_output=True, text=True, timeout=60
    )


class Server:
    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port = home, port
        self.endpoint = f"http://127.0.0.1:{port}"

    def aws(self, *args: str) -> Any:
        """The AWS CLI (not boto3) against the server; parsed JSON output."""
        done = subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", self.endpoint, "--output", "json", *args],
            env=_env(self.home),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def client(self, name: str) -> Any:
        return boto3.client(
            name,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("iacgen-home")
    port = free_port()
    started = iacgen(home, "--output", "json", "local", "start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    record = json.loads(started.stdout)
    assert record["endpoint_url"] == f"http://127.0.0.1:{port}"
    try:
        yield Server(home, port)
    finally:
        iacgen(home, "local", "stop")


def test_status_reports_the_running_server_and_a_second_start_is_refused(server: Server) -> None:
    status = iacgen(server.home, "--output", "json", "local", "status")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["running"] is True and data["answering"] is True
    assert data["endpoint_url"] == server.endpoint

    again = iacgen(server.home, "local", "start", "--port", str(free_port()))
    assert again.returncode == 2
    assert "already running at " + server.endpoint in again.stderr

    taken = iacgen(server.home / "other-home", "local", "start", "--port", str(server.port))
    assert taken.returncode == 2
    assert f"port {server.port} on 127.0.0.1 is already in use" in taken.stderr
    assert "Traceback" not in taken.stderr


def test_aws_cli_adopts_the_workshop_with_its_ids_unchanged(server: Server) -> None:
    seeded = iacgen(server.home, "--output", "json", "local", "seed", "workshop")
    assert seeded.returncode == 0, seeded.stderr
    world = json.loads(seeded.stdout)["resources"]
    ec2 = server.client("ec2")
    vpcs_before = sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])
    assert world["vpc_id"] in vpcs_before

    # Scan, and find what the scan lists and how the instance relates.
    scan_id = server.aws("cloudformation", "start-resource-scan")["ResourceScanId"]
    cfn = server.client("cloudformation")
    deadline = time.monotonic() + 20
    while cfn.describe_resource_scan(ResourceScanId=scan_id)["Status"] == "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert (
        server.aws("cloudformation", "describe-resource-scan", "--resource-scan-id", scan_id)["Status"]
        == "COMPLETE"
    )
    listed = server.aws(
        "cloudformation",
        "list-resource-scan-resources",
        "--resource-scan-id",
        scan_id,
        "--resource-type-prefix",
        "AWS::EC2::VPC",
    )["Resources"]
    assert {"VpcId": world["vpc_id"]} in [
        r["ResourceIdentifier"] for r in listed if r["ResourceType"] == "AWS::EC2::VPC"
    ]
    related = server.aws(
        "cloudformation",
        "list-resource-scan-related-resources",
        "--resource-scan-id",
        scan_id,
        "--resources",
        json.dumps(
            [
                {
                    "ResourceType": "AWS::EC2::Instance",
                    "ResourceIdentifier": {"InstanceId": world["instance_id"]},
                }
            ]
        ),
    )["RelatedResources"]
    assert {(r["ResourceType"], next(iter(r["ResourceIdentifier"].values()))) for r in related} >= {
        ("AWS::EC2::Subnet", world["subnet_id"]),
        ("AWS::EC2::SecurityGroup", world["security_group_id"]),
        ("AWS::EC2::KeyPair", world["key_name"]),
    }

    # Generate with DeletionPolicy DELETE and read the warnings.
    resources = [
        {"ResourceType": "AWS::EC2::VPC", "ResourceIdentifier": {"VpcId": world["vpc_id"]}},
        {"ResourceType": "AWS::EC2::Subnet", "ResourceIdentifier": {"SubnetId": world["subnet_id"]}},
        {"ResourceType": "AWS::EC2::SecurityGroup", "ResourceIdentifier": {"Id": world["security_group_id"]}},
        {"ResourceType": "AWS::EC2::KeyPair", "ResourceIdentifier": {"KeyName": world["key_name"]}},
        {"ResourceType": "AWS::EC2::Instance", "ResourceIdentifier": {"InstanceId": world["instance_id"]}},
    ]
    server.aws(
        "cloudformation",
        "create-generated-template",
        "--generated-template-name",
        "workshop",
        "--resources",
        json.dumps(resources),
        "--template-configuration",
        "DeletionPolicy=DELETE,UpdateReplacePolicy=DELETE",
    )
    deadline = time.monotonic() + 20
    while cfn.describe_generated_template(GeneratedTemplateName="workshop")["Status"] != "COMPLETE":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    described = server.aws(
        "cloudformation", "describe-generated-template", "--generated-template-name", "workshop"
    )
    warned = {r["ResourceType"] for r in described["Resources"] if r["Warnings"]}
    assert "AWS::EC2::Instance" in warned
    body = server.aws(
        "cloudformation",
        "get-generated-template",
        "--generated-template-name",
        "workshop",
        "--format",
        "JSON",
    )["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    assert {r.get("DeletionPolicy") for r in template["Resources"].values()} == {"Delete"}

    # Import through an IMPORT change set and execute it.
    to_import = [
        {k: r[k] for k in ("ResourceType", "LogicalResourceId", "ResourceIdentifier")}
        for r in described["Resources"]
    ]
    template_file = server.home / "workshop.json"
    template_file.write_text(json.dumps(template))
    server.aws(
        "cloudformation",
        "create-change-set",
        "--stack-name",
        "workshop",
        "--change-set-name",
        "adopt",
        "--change-set-type",
        "IMPORT",
        "--template-body",
        f"file://{template_file}",
        "--resources-to-import",
        json.dumps(to_import),
    )
    server.aws(
        "cloudformation",
        "wait",
        "change-set-create-complete",
        "--stack-name",
        "workshop",
        "--change-set-name",
        "adopt",
    )
    changes = cfn.describe_change_set(StackName="workshop", ChangeSetName="adopt")
    assert {c["ResourceChange"]["Action"] for c in changes["Changes"]} == {"Import"}
    server.aws(
        "cloudformation", "execute-change-set", "--stack-name", "workshop", "--change-set-name", "adopt"
    )
    server.aws("cloudformation", "wait", "stack-import-complete", "--stack-name", "workshop")

    stack_resources = server.aws("cloudformation", "describe-stack-resources", "--stack-name", "workshop")
    by_type = {r["ResourceType"]: r["PhysicalResourceId"] for r in stack_resources["StackResources"]}
    assert by_type == {
        "AWS::EC2::VPC": world["vpc_id"],
        "AWS::EC2::Subnet": world["subnet_id"],
        "AWS::EC2::SecurityGroup": world["security_group_id"],
        "AWS::EC2::KeyPair": world["key_name"],
        "AWS::EC2::Instance": world["instance_id"],
    }
    assert sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]) == vpcs_before


def test_an_unemulated_operation_fails_at_once_over_http(server: Server) -> None:
    """moto alone answers HTTP 500, which botocore retries for seconds before reporting a parse error."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as exc:
        server.client("cloudformation").activate_organizations_access()
    response = exc.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "NotImplemented",
        400,
    )
    assert (
        response["ResponseMetadata"]["RetryAttempts"] == 0
    )  # answered at once: not retried (a clock would race)


def test_stop_ends_the_server_and_clears_the_record(server: Server) -> None:
    stopped = iacgen(server.home, "--output", "json", "local", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout) == {"stopped": True}
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
        pass
    status = json.loads(iacgen(server.home, "--output", "json", "local", "status").stdout)
    assert status["running"] is False and status["endpoint_url"] is None
    assert json.loads(iacgen(server.home, "--output", "json", "local", "stop").stdout) == {"stopped": False}


def test_a_taken_port_is_a_clear_error_not_a_werkzeug_exit() -> None:
    from iacgen.localcloud import server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(server.ServerError, match=f"port {port} on 127.0.0.1 is already in use"):
            server.make_server("127.0.0.1", port)


def test_seeding_a_scenario_twice_is_refused_before_anything_is_made(cli: Any, cloud: None) -> None:
    from iacgen.localcloud.server import background

    with background() as endpoint:
        assert cli("-q", "local", "seed", "app", "--endpoint-url", endpoint).exit_code == 0
        ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint)
        before = sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])
        again = cli("local", "seed", "app", "--endpoint-url", endpoint)
        assert again.exit_code == 2
        assert "the app scenario is already seeded" in again.stderr and "team=web" in again.stderr
        assert sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]) == before
        assert cli("-q", "local", "seed", "workshop", "--endpoint-url", endpoint).exit_code == 0  # another


def test_local_ignores_an_aws_profile_meant_for_a_real_account(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert iacgen(home, "local", "start", "--port", str(free_port())).returncode == 0
    try:
        env = {**_env(home), "AWS_PROFILE": "production-sso"}  # no such profile here: --local needs none
        run = [sys.executable, "-m", "iacgen", "--local", "-o", "json", "scans"]
        listed = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert isinstance(json.loads(listed.stdout), list)
        real = subprocess.run([*run[:3], *run[4:]], env=env, capture_output=True, text=True, timeout=60)
        assert real.returncode == 2 and "production-sso" in real.stderr  # without --local it is looked up
    finally:
        iacgen(home, "local", "stop")


def test_starts_at_once_leave_one_server_recorded_where_it_answers(tmp_path: Path) -> None:
    """Two starts in one home and one in another, at once, on one port: exactly one succeeds; the others
    say why (the home's server is already running, or the port is taken) instead of recording a server
    that lost the port; the winner's record names the pid that answers, so status and stop find it."""
    homes = [tmp_path / "a", tmp_path / "a", tmp_path / "b"]
    port = str(free_port())
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "iacgen", "local", "start", "--port", port],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for home in homes
    ]
    try:
        done = [
            (home, *run.communicate(timeout=60), run.returncode)
            for home, run in zip(homes, runs, strict=True)
        ]
        assert sorted(code for *_, code in done) == [0, 2, 2], done
        (winner,) = [home for home, _, _, code in done if code == 0]
        for _, _, err, code in done:
            if code:
                (line,) = [ln for ln in err.splitlines() if ln.startswith("error:")]
                assert "already running at" in line or f"port {port} on 127.0.0.1 is already in use" in line
                assert "Traceback" not in err
        status = json.loads(iacgen(winner, "--output", "json", "local", "status").stdout)
        assert status["running"] is True and status["answering"] is True, status
        (loser,) = {tmp_path / "a", tmp_path / "b"} - {winner}
        assert json.loads(iacgen(loser, "--output", "json", "local", "status").stdout)["running"] is False
        assert json.loads(iacgen(winner, "--output", "json", "local", "stop").stdout) == {"stopped": True}
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(port)), timeout=1):
            pass
    finally:
        for home in {tmp_path / "a", tmp_path / "b"}:
            iacgen(home, "local", "stop")
