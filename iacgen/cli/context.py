"""What the global options produce, handed to every command through typer's context object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iacgen.cli.render import Output

if TYPE_CHECKING:
    from iacgen.cli.reporting import RichReporter
    from iacgen.core.session import Aws, AwsSettings
    from iacgen.core.workspace import Workspace


@dataclass
class AppContext:
    settings: AwsSettings
    output: Output
    verbose: bool = False
    state_dir: Path = field(default_factory=lambda: Path(".iacgen"))
    _aws: Aws | None = None

    @property
    def aws(self) -> Aws:
        if self._aws is None:
            from iacgen.core.session import Aws

            self._aws = Aws(self.settings)
        return self._aws

    @property
    def aws_if_used(self) -> Aws | None:
        """The client factory, only if the command built it (so reporting never creates a session)."""
        return self._aws

    @property
    def workspace(self) -> Workspace:
        from iacgen.core.workspace import Workspace

        return Workspace(self.state_dir)

    def reporter(self, **kwargs: Any) -> RichReporter:
        """The CLI's reporter for one workflow call (use it as a context manager)."""
        from iacgen.cli.reporting import RichReporter

        return RichReporter(self.output, **kwargs)


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked without the root callback (only in unit tests of one command)
        from iacgen.core.session import AwsSettings

        obj = AppContext(settings=AwsSettings(), output=Output())
        ctx.obj = obj
    return obj
