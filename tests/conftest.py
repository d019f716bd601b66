"""Shared fixtures: an isolated working directory, and the local cloud in-process (moto + our extension)."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

REGION = "us-east-1"

# A test run started in the background (nohup, `cmd &` without job control, a CI runner) inherits SIGINT
# ignored, and an ignored signal stays ignored across exec: the CLI subprocesses the signal tests start would
# never see their Ctrl-C. Python's own handler here makes the children start with the default again.
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test runs in its own directory, with dummy credentials and no real AWS configuration."""
    # COLUMNS: pytest-xdist workers get COLUMNS=80, which would make table layout depend on how tests run.
    for var in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_CLOUDFORMATION",
        "COLUMNS",
        "LINES",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254 for credentials
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("IACGEN_HOME", str(tmp_path / "iacgen-home"))
    monkeypatch.setenv("IACGEN_POLL_SCALE", "0.02")
    monkeypatch.setenv("NO_COLOR", "1")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def cloud() -> Iterator[None]:
    """The local cloud in this process: every boto3 client created inside talks to it."""
    from moto import mock_aws

    from iacgen.localcloud import install

    install()
    with mock_aws():
        yield


@pytest.fixture
def local_settings() -> Iterator[Any]:
    """The local cloud's pace and fault settings, restored after the test."""
    from iacgen.localcloud import settings

    previous = settings.configure()
    yield settings
    settings.restore(previous)


@pytest.fixture
def ticking_clock(local_settings: Any) -> Any:
    """The local cloud's clock moves one second each time it is read, not with the wall clock: how long a
    scan or a template stays IN_PROGRESS is counted in the cloud's own reads, so however slow the machine,
    a 20-second scan is still running a few calls later and ends after a few of iacgen's polls."""
    ticks = itertools.count(time.time(), 1.0)
    local_settings.configure(clock=lambda: next(ticks))
    return local_settings


@pytest.fixture
def aws(cloud: None) -> Any:
    """The product's own client factory, pointed at the in-process local cloud."""
    from iacgen.core.session import Aws, AwsSettings

    return Aws(AwsSettings(region=REGION))


@pytest.fixture
def workshop(cloud: None) -> Any:
    from iacgen.localcloud.scenarios import seed_workshop

    return seed_workshop(region=REGION)


@pytest.fixture
def app_world(cloud: None) -> Any:
    from iacgen.localcloud.scenarios import seed_app

    return seed_app(region=REGION)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self) -> Any:
        import json

        return json.loads(self.stdout)


@pytest.fixture
def cli() -> Any:
    """Run iacgen's CLI in this process, so it sees the in-process local cloud."""
    from iacgen.cli.app import app

    def run(*args: str, input: str | None = None) -> CliResult:
        result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=True)
        exc = result.exception if not isinstance(result.exception, SystemExit) else None
        return CliResult(result.exit_code, result.stdout, result.stderr, exc)

    return run
