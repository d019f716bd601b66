"""`iacgen iam-policy`: the least-privilege IAM policy a command needs (from core.permissions' table)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("iam-policy")
    def iam_policy(
        command: str | None = typer.Option(
            None, "--command", metavar="NAME", help="Only this command's actions (default: every command's)."
        ),
        stacks: list[str] | None = typer.Option(
            None, "--stack", metavar="NAME", help="Scope stack actions to this stack; repeatable."
        ),
        buckets: list[str] | None = typer.Option(
            None, "--s3-bucket", metavar="BUCKET", help="Allow uploading large bodies to BUCKET/iacgen/*."
        ),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="Take the stacks and buckets from this iacgen.yaml."
        ),
    ) -> None:
        """Print the IAM policy document (JSON) for a command, scoped to the stacks and buckets it touches."""
        from iacgen.core.permissions import policy_document

        document = policy_document(command, stacks=stacks, buckets=buckets, config=config)
        sys.stdout.write(document.to_json())
