"""`iacgen local ...`: run the offline AWS (moto + the IaC generator + real IMPORT) and seed it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from iacgen.cli.context import app_context
from iacgen.cli.extras import require_local

if TYPE_CHECKING:
    from rich.console import RenderableType

HOST_HELP = "Interface to listen on (loopback by default: the local cloud has no authentication)."


class Scenario(StrEnum):
    workshop = "workshop"
    app = "app"
    webtier = "webtier"
    estate = "estate"
    sprawl = "sprawl"


def _usage(exc: Any) -> Exception:
    from iacgen.core.errors import UsageError

    return UsageError(exc.message, exc.hint)


def _kv_table(title: str, rows: dict[str, Any], width: int) -> RenderableType:
    from iacgen.cli.tables import table

    cells = [
        (key, ", ".join(value) if isinstance(value, list) else str(value)) for key, value in rows.items()
    ]
    return table(title, ("Field", "Value"), cells, width)


def register(app: typer.Typer) -> None:
    local = typer.Typer(
        name="local",
        help="Run the offline AWS (the local cloud).\n\n"
        "moto with the IaC generator and real IMPORT change sets.",
        no_args_is_help=True,
    )

    @local.command("serve")
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help=HOST_HELP),
        port: int = typer.Option(4566, "--port", metavar="PORT", min=1, max=65535, help="TCP port."),
    ) -> None:
        """Serve the local cloud until Ctrl-C."""
        require_local("iacgen local serve")
        from iacgen.localcloud import server

        output = app_context(ctx).output
        try:
            server.serve(
                host, port, on_ready=lambda url: output.info(f"local cloud listening on {url} (Ctrl-C stops)")
            )
        except server.ServerError as exc:
            raise _usage(exc) from exc
        output.info("local cloud stopped")

    @local.command("start")
    def start(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help=HOST_HELP),
        port: int = typer.Option(4566, "--port", metavar="PORT", min=0, max=65535, help="TCP port."),
    ) -> None:
        """Start the local cloud in the background.

        It is recorded for --local."""
        require_local("iacgen local start")
        from iacgen.localcloud import server

        output = app_context(ctx).output
        output.info(f"starting the local cloud on {host}:{port} ...")
        try:
            record = server.start(host, port)
        except server.ServerError as exc:
            raise _usage(exc) from exc
        data = server.record_dict(record)
        output.info(f"local cloud running at {record.endpoint_url}; use it with: iacgen --local ...")
        output.emit(data, lambda: _kv_table("Local cloud", data, output.out.width))

    @local.command("stop")
    def stop(ctx: typer.Context) -> None:
        """Stop the background local cloud.

        Its state is lost."""
        require_local("iacgen local stop")
        from iacgen.localcloud import server

        output = app_context(ctx).output
        stopped = server.stop()
        output.info("local cloud stopped" if stopped else "no local cloud was running")
        output.emit({"stopped": stopped})

    @local.command("status")
    def status(ctx: typer.Context) -> None:
        """Whether the local cloud runs and answers."""
        require_local("iacgen local status")
        from iacgen.localcloud import server

        output = app_context(ctx).output
        data = server.status().to_dict()
        if not data["running"]:
            output.info("no local cloud is running (start one with: iacgen local start)")
        output.emit(data, lambda: _kv_table("Local cloud", data, output.out.width))

    @local.command("seed")
    def seed(
        ctx: typer.Context,
        scenario: Scenario = typer.Argument(
            ...,
            help="workshop: the IaC Generator Workshop VPC; app: two tagged VPCs, "
            "a Lambda function with its role, a table and a bucket; webtier: a load balancer in front of "
            "two instances, a database, a queue, a log group and what goes with them; estate: an "
            "organization of four accounts in two Regions, one of them unreachable, part of it under a "
            "stack; sprawl: an account of --resources N.",
        ),
        resources: int | None = typer.Option(
            None,
            "--resources",
            metavar="N",
            min=0,
            help="sprawl only: grow the account to N resources (what a full scan finds): networks with "
            "instances, buckets, tables, roles with functions.",
        ),
        endpoint_url: str | None = typer.Option(
            None,
            "--endpoint-url",
            metavar="URL",
            help="Local cloud to seed (default: the one iacgen local start recorded).",
        ),
    ) -> None:
        """Create a scenario's hand-made resources.

        As a team would have by hand (boto3); prints their ids."""
        require_local("iacgen local seed")
        from iacgen.core.errors import UsageError
        from iacgen.localcloud import scenarios
        from iacgen.localcloud.record import read_record

        context = app_context(ctx)
        endpoint = endpoint_url or context.settings.endpoint_url
        if not endpoint:
            record = read_record()
            endpoint = record.endpoint_url if record else None
        if not endpoint:
            raise UsageError(
                "no local cloud to seed: none is running and no --endpoint-url was given",
                "start one with: iacgen local start",
            )
        if (resources is None) != (scenario is not Scenario.sprawl):
            raise UsageError(
                "the sprawl scenario needs --resources N"
                if resources is None
                else f"--resources goes with the sprawl scenario only, not {scenario.value}",
                "e.g. iacgen local seed sprawl --resources 20000",
            )
        if scenario is Scenario.estate:
            _seed_estate(context, endpoint)
            return
        region = context.settings.region or scenarios.DEFAULT_REGION
        marker = scenarios.seeded_marker(scenario.value, endpoint, region)
        if marker is not None:
            raise UsageError(
                f"the {scenario.value} scenario is already seeded at {endpoint} ({region}): a VPC tagged "
                f"{marker} exists",
                "seed another scenario, or start afresh: iacgen local stop, then iacgen local start",
            )
        context.output.info(f"seeding the {scenario.value} scenario into {endpoint} ({region}) ...")
        if scenario is Scenario.sprawl:
            from iacgen.localcloud import sprawl

            try:
                world: Any = sprawl.seed_remote(endpoint, resources or 0, region)
            except ValueError as exc:
                raise UsageError(
                    f"cannot seed the sprawl: {exc}", "is it a local cloud? iacgen local status"
                ) from exc
        elif scenario is Scenario.workshop:
            world = scenarios.seed_workshop(endpoint, region)
        elif scenario is Scenario.webtier:
            world = scenarios.seed_webtier(endpoint, region)
        else:
            world = scenarios.seed_app(endpoint, region)
        data = {
            "scenario": scenario.value,
            "endpoint_url": endpoint,
            "region": region,
            "resources": world.to_dict(),
        }
        context.output.emit(
            data,
            lambda: _kv_table(
                f"Seeded {scenario.value} ({region})", world.to_dict(), context.output.out.width
            ),
        )

    app.add_typer(local)


def _seed_estate(context: Any, endpoint: str) -> None:

    from iacgen.localcloud import estate

    context.output.info(f"seeding the estate scenario into {endpoint} ({', '.join(estate.REGIONS)}) ...")
    world = estate.seed_estate(endpoint)
    data = {
        "scenario": "estate",
        "endpoint_url": endpoint,
        "regions": world.regions,
        "resources": world.to_dict(),
    }

    def table() -> RenderableType:
        from iacgen.cli.tables import table as layout

        rows = [
            (
                name,
                account,
                "caller" if account == world.management else world.role_name,
                *(_found_managed(world, account, r) for r in world.regions),
            )
            for name, account in world.accounts.items()
        ]
        rows += [
            (name, account, f"{world.role_name} missing", *("-" for _ in world.regions))
            for name, account in world.unreachable.items()
        ]
        title = "Seeded estate (resources a scan finds / managed by a stack)"
        return layout(title, ("Account", "Id", "Role", *world.regions), rows, context.output.out.width)

    context.output.emit(data, table)


def _found_managed(world: Any, account: str, region: str) -> str:
    found, managed = world.found(account, region), world.managed_counts(account, region)
    return f"{sum(found.values())} / {sum(managed.values())}"
