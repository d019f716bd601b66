"""A selection beyond one generated template (500 resources): NAME-1, NAME-2, ... generated one after the
other from the partition (core/partition.py), each written with its resources file, and the set recorded in
the workspace so that `warnings` and `import --stack NAME` take it as one plan.

The parts are generated PARALLEL_PARTS at a time: the service builds at most 5 templates at a time per
account, and a user's other generations keep the slots left (one that finds none waits for one)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacgen.core import cancel, generation
from iacgen.core.partition import LiteralReference, Partition, literal_references, partition
from iacgen.core.reporter import GenerationProgress, NullReporter, Reporter
from iacgen.core.scans import plural
from iacgen.core.state import TemplateRecord
from iacgen.core.workspace import check_overwrite, sha256_of

if TYPE_CHECKING:
    from iacgen.core.generation import GeneratedTemplate, TemplateProgress
    from iacgen.core.scans import ScanInfo, ScannedResource
    from iacgen.core.selection import Key, SelectionPlan
    from iacgen.core.session import Aws
    from iacgen.core.workflow.generate import GenerateRequest
    from iacgen.core.workspace import Workspace


@dataclass
class PartResult:
    number: int
    name: str
    template_path: Path
    resources_path: Path
    template: GeneratedTemplate

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "template_path": str(self.template_path),
            "resources_path": str(self.resources_path),
            "template": self.template.to_dict(),
        }


@dataclass
class GenerateSetResult:
    """The set: its parts in import order, the partition, and every reference that crosses two parts (from
    the relations iacgen learnt, and as literal identifiers found in the generated bodies)."""

    name: str
    parts: list[PartResult]
    partition: Partition
    literal_references: list[LiteralReference]
    selection: SelectionPlan
    api_calls: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "set": [p.name for p in self.parts],
            "parts": [p.to_dict() for p in self.parts],
            "partition": self.partition.to_dict(),
            "literal_references": [r.to_dict() for r in self.literal_references],
            "selection": self.selection.to_dict(),
            "api_calls": self.api_calls,
        }


def part_paths(workspace: Workspace, request: GenerateRequest, part_name: str) -> tuple[Path, Path]:
    """NAME-i.yaml and NAME-i.resources.json here, or beside --out."""
    out = request.out.with_name(f"{part_name}.{request.format.lower()}") if request.out else None
    template_path = workspace.template_path(part_name, request.format, out)
    return template_path, workspace.resources_path(template_path)


def import_order(p: Partition, references: list[LiteralReference]) -> list[int]:
    """Part numbers, referenced parts first (so that, when stacks are linked later with exports, an
    exporting stack exists before the one importing from it); ties and cycles by number."""
    needs: dict[int, set[int]] = {part.number: set() for part in p.parts}
    for c in p.crossings:
        needs[c.source_part].add(c.target_part)
    for r in references:
        needs[r.part].add(r.target_part)
    order: list[int] = []
    done: set[int] = set()
    while len(order) < len(needs):
        ready = [n for n in sorted(needs) if n not in done and needs[n] <= done]
        nxt = ready[0] if ready else min(n for n in needs if n not in done)
        order.append(nxt)
        done.add(nxt)
    return order


PARALLEL_PARTS = 3  # of the 5 generations the service runs at once per account

_YAML_RESOURCE = re.compile(r"^  ([A-Za-z0-9]+):\s*$")


def resource_texts(body: str, fmt: str) -> dict[str, Any]:
    """Each resource's definition in a generated body, by logical id: parsed for JSON; for YAML, the lines
    under its key (the service writes two-space block YAML; a full round-trip parse of a 500-resource body
    costs seconds, and only the strings in it are needed)."""
    if fmt.upper() == "JSON":
        resources = json.loads(body).get("Resources") or {}
        return {str(k): v for k, v in resources.items()}
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    inside = False
    for line in body.splitlines():
        if not line.startswith(" "):
            inside = line.rstrip() == "Resources:"
            current = None
            continue
        if not inside:
            continue
        match = _YAML_RESOURCE.match(line)
        if match:
            current = out.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def _callbacks(
    report: Reporter, name: str, total: int
) -> tuple[Callable[[TemplateProgress], None], Callable[[str, str], None]]:
    def on_progress(progress: TemplateProgress) -> None:
        report.progress(GenerationProgress(name, progress, total))

    def on_submitted(_template_id: str, action: str) -> None:
        report.info(f"generated template {name}: {action}")

    return on_progress, on_submitted


def _generate_part(
    workspace: Workspace,
    aws: Aws,
    request: GenerateRequest,
    job: tuple[int, str, list[ScannedResource], tuple[Path, Path]],
    report: Reporter,
) -> PartResult:
    """One part: generated (this thread's own clients, so that its calls are counted apart), written with
    its resources file, and recorded as it is written, so an interrupted set resumes where it stopped."""
    number, name, members, (template_path, resources_path) = job
    on_progress, on_submitted = _callbacks(report, name, len(members))
    gt = generation.generate(
        aws,
        name,
        members,
        deletion_policy=request.deletion_policy,
        update_replace_policy=request.update_replace_policy,
        update=request.update,
        timeout=request.timeout,
        on_progress=on_progress,
        on_submitted=on_submitted,
        fmt=request.format.upper(),
        keep_vpc_defaults=request.retain_vpc_defaults,
    )
    workspace.write(template_path, gt.body if gt.body.endswith("\n") else gt.body + "\n")
    workspace.write(resources_path, json.dumps(gt.resources_to_import, indent=2) + "\n")
    with workspace.update() as saved:
        saved.templates[name] = TemplateRecord(
            name=name,
            generated_template_id=gt.template_id,
            template_path=str(template_path),
            resources_path=str(resources_path),
            template_sha256=sha256_of(template_path),
        )
    return PartResult(number, name, template_path, resources_path, gt)


def _generate_parts(
    workspace: Workspace,
    aws: Aws,
    request: GenerateRequest,
    split: Partition,
    names: list[str],
    keys: dict[Key, ScannedResource],
    paths: dict[str, tuple[Path, Path]],
    report: Reporter,
) -> list[PartResult]:
    """The parts PARALLEL_PARTS at a time, in part order. Ctrl-C stops every part at its next wait
    (core/cancel.py); the parts already written stay recorded, and a re-run resumes the others."""
    jobs = [
        (part.number, name, [keys[k] for k in part.members], paths[name])
        for part, name in zip(split.parts, names, strict=True)
    ]
    stop = threading.Event()
    children: list[Aws] = []

    def run(job: tuple[int, str, list[ScannedResource], tuple[Path, Path]]) -> PartResult:
        child = aws.derive(aws.region)
        children.append(child)
        with cancel.cancelled_by(stop):
            return _generate_part(workspace, child, request, job, report)

    pool = ThreadPoolExecutor(max_workers=PARALLEL_PARTS, thread_name_prefix="iacgen-generate")
    futures = [pool.submit(run, job) for job in jobs]
    try:
        wait(futures)
    except KeyboardInterrupt:
        stop.set()
        for future in futures:
            future.cancel()
        wait(futures)
        raise
    finally:
        pool.shutdown(wait=True)
        for child in children:
            aws.calls.update(child.calls)
            aws.retry.retried.update(child.retry.retried)
    return [f.result() for f in futures]


def generate_set(
    workspace: Workspace,
    aws: Aws,
    request: GenerateRequest,
    plan: SelectionPlan,
    scan: ScanInfo,
    reporter: Reporter | None = None,
) -> GenerateSetResult:
    report = reporter or NullReporter()
    keys = {r.key: r for r in plan.resources}
    split = partition(keys, plan.closure.links, limit=request.template_limit)
    names = split.names(request.name)
    state = workspace.load()
    paths = {name: part_paths(workspace, request, name) for name in names}
    for name in names:  # nothing is generated if any file may not be overwritten
        check_overwrite(paths[name][0], state.templates.get(name), request.force)
    report.info(
        f"{plural(len(keys), 'resource')} exceed one template: {len(names)} templates "
        f"({', '.join(names)}) of {', '.join(str(len(p.members)) for p in split.parts)}, "
        f"{plural(split.groups, 'connected group')}"
        + (f", {len(split.cut_groups)} cut" if split.cut_groups else "")
        + f", {plural(len(split.crossings), 'known relation')} crossing"
    )
    parts = _generate_parts(workspace, aws, request, split, names, keys, paths, report)
    where = split.part_of()
    bodies = {p.number: resource_texts(p.template.body, p.template.format) for p in parts}
    references = literal_references(bodies, where)
    order = import_order(split, references)
    ordered = sorted(parts, key=lambda p: order.index(p.number))
    with workspace.update() as saved:
        saved.sets[request.name] = [p.name for p in ordered]
        saved.last_template, saved.scan_id, saved.region = request.name, scan.scan_id, aws.region
    total = sum(len(p.template.resources_to_import) for p in parts)
    report.info(
        f"wrote {len(parts)} templates with their resources files ({plural(total, 'resource')} to import); "
        f"{plural(len(references), 'literal reference')} between them; import them all with: "
        f"iacgen import --stack {request.name}"
    )
    return GenerateSetResult(request.name, ordered, split, references, plan, dict(sorted(aws.calls.items())))
