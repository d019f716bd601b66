"""The one way a workflow step tells its caller what is happening: narration (info, warn) and progress events
with typed payloads. The core never prints; whoever calls a step decides what a report becomes: the CLI a rich
display on stderr, `ci` a report, a test a list (ListReporter).

A step reports in this order: narration as it decides, progress events while it waits, and a milestone event
(ChangeSetReady) where a caller may want to show something before the step goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from iacgen.core.changeset import ChangeSetResult
    from iacgen.core.generation import TemplateProgress
    from iacgen.core.scans import ScanInfo
    from iacgen.core.stacks import StackEventInfo


@dataclass(frozen=True)
class ScanProgress:
    """A running scan was described again (its status and percentage)."""

    scan: ScanInfo


@dataclass(frozen=True)
class GenerationProgress:
    """A generated template was described again; `expected` is how many resources were asked for."""

    name: str
    progress: TemplateProgress
    expected: int


@dataclass(frozen=True)
class ChangeSetProgress:
    """The IMPORT change set being created was described again."""

    stack: str
    status: str


@dataclass(frozen=True)
class ChangeSetReady:
    """The IMPORT change set exists and is complete: its changes can be shown before it is executed or
    discarded."""

    change_set: ChangeSetResult


@dataclass(frozen=True)
class StackEvent:
    """A new event of the stack an import is executing into."""

    event: StackEventInfo


ProgressEvent = ScanProgress | GenerationProgress | ChangeSetProgress | ChangeSetReady | StackEvent


class Reporter(Protocol):
    def info(self, message: str) -> None:
        """Narration: what the step decided or did, one line, for a person."""

    def warn(self, message: str) -> None:
        """Something the user should look at; the step goes on."""

    def progress(self, event: ProgressEvent) -> None:
        """A progress event or milestone; see ProgressEvent."""


class NullReporter:
    """Reports nothing: for library callers that want only the result."""

    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def progress(self, event: ProgressEvent) -> None:
        pass


@dataclass(frozen=True)
class Narration:
    level: Literal["info", "warn"]
    message: str


@dataclass
class ListReporter:
    """Records everything in order: narration in `messages`, progress events in `events`."""

    messages: list[Narration] = field(default_factory=list)
    events: list[ProgressEvent] = field(default_factory=list)

    def info(self, message: str) -> None:
        self.messages.append(Narration("info", message))

    def warn(self, message: str) -> None:
        self.messages.append(Narration("warn", message))

    def progress(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def lines(self, level: Literal["info", "warn"] | None = None) -> list[str]:
        return [m.message for m in self.messages if level is None or m.level == level]
