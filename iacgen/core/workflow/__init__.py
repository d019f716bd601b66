"""The adoption workflow as a library: one function per step, each taking a Workspace, the AWS client factory
and a Reporter, and returning a typed result whose to_dict() is what the command prints under --output json.

The commands call exactly these functions (parse options -> one call -> render), and so do `demo` and `ci`:
no step's logic lives in the CLI, and no command reads another command's output."""

from __future__ import annotations

from iacgen.core.workflow.generate import GenerateRequest, GenerateResult, generate
from iacgen.core.workflow.importing import ImportMode, ImportRequest, ImportResult, run_import
from iacgen.core.workflow.patch import PatchFileResult, PatchRequest, patch_file
from iacgen.core.workflow.scan import (
    ResourceFilters,
    ResourceListing,
    ScanRequest,
    ScanResult,
    list_resources,
    scan,
)
from iacgen.core.workflow.warnings import WarningsResult, warnings

__all__ = [
    "GenerateRequest",
    "GenerateResult",
    "ImportMode",
    "ImportRequest",
    "ImportResult",
    "PatchFileResult",
    "PatchRequest",
    "ResourceFilters",
    "ResourceListing",
    "ScanRequest",
    "ScanResult",
    "WarningsResult",
    "generate",
    "list_resources",
    "patch_file",
    "run_import",
    "scan",
    "warnings",
]
