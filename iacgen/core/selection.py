"""Which scanned resources go into a template: selection expressions and the related-resource closure.

Pure functions over identifiers; the API is reached only through callables passed in (`list_fn`,
`fetch_related`), so the rules are testable without a cloud and the core wires them to the scan calls.

Selection grammar (one --select/--exclude expression is an AND of comma-separated terms):
    type=AWS::EC2::Instance   exact type          type=AWS::EC2::*   type prefix ('*' only at the end)
    tag:Name=web              tag key with value  tag:team           tag key present
    id=vpc-0abc               any identifier value equals
Repeated --select is an OR; --exclude removes what any of its expressions matches.

ListResourceScanResources returns no tags, so tag terms are evaluated by the service's TagKey/TagValue
filters: one call per distinct tag term (narrowed by the expression's type/id filters), results intersected.
Type and id terms are pushed down as ResourceTypePrefix/ResourceIdentifier and re-checked exactly here.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iacgen.core.errors import UsageError
from iacgen.core.scans import ScannedResource
from iacgen.core.validation import case_problem

if TYPE_CHECKING:
    from iacgen.core.session import Aws

MAX_TEMPLATE_RESOURCES = 500
MAX_RELATED_BATCH = 100

GRAMMAR = (
    "an expression is comma-separated terms, all of which must match: type=AWS::EC2::Instance, "
    "type=AWS::EC2::*, tag:KEY=VALUE, tag:KEY, id=VALUE"
)

Key = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Term:
    kind: str  # "type" | "tag" | "id"
    value: str  # type pattern, tag key, or identifier value
    tag_value: str | None = None  # for kind == "tag": None means "key present"

    def __str__(self) -> str:
        if self.kind == "tag":
            return f"tag:{self.value}" + (f"={self.tag_value}" if self.tag_value is not None else "")
        return f"{self.kind}={self.value}"

    def matches_locally(self, resource: ScannedResource) -> bool:
        """True for terms the listing can't check by itself; tag terms are decided by the service."""
        if self.kind == "type":
            if self.value.endswith("*"):
                return resource.type.startswith(self.value[:-1])
            return resource.type == self.value
        if self.kind == "id":
            return self.value in resource.identifier.values()
        return True


@dataclass(frozen=True)
class Selector:
    """An AND of terms."""

    terms: tuple[Term, ...]
    text: str = ""

    def __str__(self) -> str:
        return self.text or ",".join(str(t) for t in self.terms)

    def local_match(self, resource: ScannedResource) -> bool:
        return all(t.matches_locally(resource) for t in self.terms)

    def queries(self) -> list[dict[str, str]]:
        """The listing calls that evaluate this selector: one per tag term (one call if there is none),
        each narrowed by the most selective type prefix and id; results are intersected by the caller."""
        base: dict[str, str] = {}
        types = [t.value for t in self.terms if t.kind == "type"]
        if types:
            prefix = max((t.rstrip("*") for t in types), key=len)
            if prefix:
                base["type_prefix"] = prefix
        ids = [t.value for t in self.terms if t.kind == "id"]
        if ids:
            base["identifier"] = ids[0]
        tags = sorted({(t.value, t.tag_value or "") for t in self.terms if t.kind == "tag"})
        if not tags:
            return [base]
        out = []
        for key, value in tags:
            q = dict(base, tag_key=key)
            if value:
                q["tag_value"] = value
            out.append(q)
        return out


def _bad(term: str, why: str) -> UsageError:
    return UsageError(f"bad selection term {term!r}: {why}", GRAMMAR)


def parse_term(raw: str) -> Term:
    text = raw.strip()
    if not text:
        raise _bad(raw, "empty term")
    if text.startswith("tag:"):
        body = text[4:]
        key, sep, value = body.partition("=")
        if not key:
            raise _bad(text, "missing tag key")
        if len(key) > 128:
            raise _bad(text, "a tag key is at most 128 characters")
        if sep and not value:
            raise _bad(text, "missing tag value (use tag:KEY for 'key present')")
        if len(value) > 256:
            raise _bad(text, "a tag value is at most 256 characters")
        return Term("tag", key, value if sep else None)
    name, sep, value = text.partition("=")
    name = name.strip()
    value = value.strip()
    if not sep or name not in ("type", "id"):
        raise _bad(text, "unknown term")
    if not value:
        raise _bad(text, f"missing value after {name}=")
    if name == "type" and "*" in value[:-1]:
        raise _bad(text, "'*' is allowed only at the end of a type")
    if name == "type" and (problem := case_problem(value)):
        raise UsageError(f"bad selection term {text!r}: {problem[0]}", problem[1])
    if name == "type":
        from iacgen.core.resource_types import unknown_type_problem  # reads the type list: only now

        if unknown := unknown_type_problem(value):
            raise UsageError(f"bad selection term {text!r}: {unknown[0]}", unknown[1])
    return Term(name, value)


def parse_select(expr: str) -> Selector:
    """One expression: comma-separated terms, ANDed. UsageError names the bad term and gives the grammar."""
    if not expr.strip():
        raise UsageError("empty selection expression", GRAMMAR)
    return Selector(tuple(parse_term(part) for part in expr.split(",")), expr.strip())


ListFn = Callable[..., Iterable[ScannedResource]]


@dataclass
class SelectionResult:
    resources: list[ScannedResource]
    excluded: list[ScannedResource]  # selected, then removed by --exclude
    calls: int
    blocked: list[ScannedResource] = field(default_factory=list)  # everything --exclude matches

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": [r.to_dict() for r in self.resources],
            "excluded": [r.to_dict() for r in self.excluded],
            "calls": self.calls,
        }


def evaluate(list_fn: ListFn, selects: list[Selector], excludes: list[Selector]) -> SelectionResult:
    """OR of the selects, minus the OR of the excludes. list_fn(**filters) lists the scan with the service's
    filters; identical listings are made once (a shared cache across expressions)."""
    cache: dict[tuple[tuple[str, str], ...], dict[Key, ScannedResource]] = {}

    def listing(query: dict[str, str]) -> dict[Key, ScannedResource]:
        k = tuple(sorted(query.items()))
        if k not in cache:
            cache[k] = {r.key: r for r in list_fn(**query)}
        return cache[k]

    def matched(selector: Selector) -> dict[Key, ScannedResource]:
        results = [listing(q) for q in selector.queries()]
        common = set(results[0]).intersection(*results[1:])
        return {k: r for k, r in results[0].items() if k in common and selector.local_match(r)}

    chosen: dict[Key, ScannedResource] = {}
    for s in selects:
        for k, r in matched(s).items():
            chosen.setdefault(k, r)
    removed: dict[Key, ScannedResource] = {}
    for s in excludes:
        removed.update(matched(s))
    kept = [r for k, r in chosen.items() if k not in removed]
    dropped = [r for k, r in chosen.items() if k in removed]
    return SelectionResult(kept, dropped, len(cache), list(removed.values()))


# --- related-resource closure ----------------------------------------------------------------------------


@dataclass
class Added:
    """A resource the closure added: at which round (depth) and which selected resources pulled it in.
    exact=False when its batch mixed inputs of different selected resources (see related_closure)."""

    resource: ScannedResource
    depth: int
    pulled_in_by: list[ScannedResource]
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.resource.to_dict(),
            "depth": self.depth,
            "pulled_in_by": [r.to_dict() for r in self.pulled_in_by],
            "exact": self.exact,
        }


@dataclass
class Closure:
    selected: list[ScannedResource]
    added: list[Added] = field(default_factory=list)
    skipped_managed: list[ScannedResource] = field(default_factory=list)
    skipped_excluded: list[ScannedResource] = field(default_factory=list)
    calls: int = 0  # fetch_related invocations (batches); the API calls, pages included, are in Aws.calls
    rounds: int = 0
    fixed_point: bool = True  # False when stopped by depth with resources still unexplored
    # Relation edges learnt from the calls, for partitioning: (selected resource, resource related to its
    # lineage), only in exact mode, where every batch's inputs share one lineage (the API does not say which
    # input an output belongs to, so a mixed batch says nothing exact, and neither does anything found from
    # its outputs). Already-known outputs count: they join two lineages into one group.
    links: list[tuple[Key, Key]] = field(default_factory=list)
    mixed_batches: int = 0  # batches that mixed lineages (packed mode)
    attribution_pass: bool = False  # batched per lineage to learn the links (beyond one template)

    @property
    def resources(self) -> list[ScannedResource]:
        return [*self.selected, *(a.resource for a in self.added)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "selected": [r.to_dict() for r in self.selected],
            "added": [a.to_dict() for a in self.added],
            "skipped_managed": [r.to_dict() for r in self.skipped_managed],
            "skipped_excluded": [r.to_dict() for r in self.skipped_excluded],
            "calls": self.calls,
            "rounds": self.rounds,
            "fixed_point": self.fixed_point,
            "total": len(self.selected) + len(self.added),
            "links": len(self.links),
            "mixed_batches": self.mixed_batches,
            "attribution_pass": self.attribution_pass,
        }


def _too_many(count: int, note: str) -> UsageError:
    return UsageError(
        f"the selection has {count} resources{note}; a generated template holds at most "
        f"{MAX_TEMPLATE_RESOURCES}",
        "narrow it: a tighter {opt:select}, {opt:exclude} EXPR, or {opt:related_depth} N "
        "(generate itself splits a larger selection into several templates)",
    )


EXACT_ATTRIBUTION_LIMIT = 25  # selections up to this size are always batched per selected resource


def related_closure(
    fetch_related: Callable[[list[ScannedResource]], list[ScannedResource]],
    seeds: Iterable[ScannedResource],
    *,
    depth: int | None = None,
    exclude_managed: bool = True,
    excluded: Iterable[ScannedResource] = (),
    exact_attribution_limit: int = EXACT_ATTRIBUTION_LIMIT,
    limit: int | None = MAX_TEMPLATE_RESOURCES,
) -> Closure:
    """Add related resources round by round (breadth-first) to a fixed point, or for `depth` rounds.

    Each identifier is sent at most once, in batches of at most 100. Resources are deduplicated on type plus
    the whole identifier map. Resources owned by a stack are left out and not expanded (reported as skipped);
    so are `excluded` ones.

    Attribution: the API does not say which input produced which output, and re-sending inputs one by one
    would break the "send once" rule. So each frontier resource carries the set of selected resources whose
    lineage reached it, and a round batches the frontier *per lineage set*: every output of a batch is then
    exactly attributable to that batch's set. This costs one call per distinct lineage set per round; when the
    selection has more than `exact_attribution_limit` resources, the frontier is instead packed into full
    batches of 100 (ordered by lineage, so mixing is rare), and outputs of a mixed batch are attributed to the
    union of its lineages and marked exact=False. Depth is always exact (round number).
    """
    with _collector_paused():
        return _close(fetch_related, seeds, depth, exclude_managed, excluded, exact_attribution_limit, limit)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a closure allocates its many long-lived objects (it
    makes no cycles): otherwise each full collection re-scans everything held so far, and a 75,000-resource
    closure took twice as long as the same work without it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _close(
    fetch_related: Callable[[list[ScannedResource]], list[ScannedResource]],
    seeds: Iterable[ScannedResource],
    depth: int | None,
    exclude_managed: bool,
    excluded: Iterable[ScannedResource],
    exact_attribution_limit: int,
    limit: int | None,
) -> Closure:
    closure = Closure([])
    known: dict[Key, ScannedResource] = {}
    for seed in seeds:
        if seed.key in known:
            continue
        if exclude_managed and seed.managed:
            closure.skipped_managed.append(seed)
            continue
        known[seed.key] = seed
        closure.selected.append(seed)
    if limit is not None and len(closure.selected) > limit:
        raise _too_many(len(closure.selected), "")
    order = {r.key: i for i, r in enumerate(closure.selected)}
    exact_mode = len(closure.selected) <= exact_attribution_limit
    lineage: dict[Key, frozenset[Key]] = {r.key: frozenset([r.key]) for r in closure.selected}
    blocked = {r.key for r in excluded}
    skipped: set[Key] = set()
    frontier = list(closure.selected)
    linked: set[tuple[Key, Key]] = set()
    while frontier and (depth is None or closure.rounds < depth):
        closure.rounds += 1
        found: dict[Key, tuple[ScannedResource, frozenset[Key], bool]] = {}
        for batch in _batches(frontier, lineage, order, exact_mode):
            closure.calls += 1
            sources = {lineage[r.key] for r in batch}
            via = frozenset().union(*sources)
            if len(sources) > 1:
                closure.mixed_batches += 1
            for out in fetch_related(batch):
                k = out.key
                left_out = k in skipped or k in blocked or (exclude_managed and out.managed)
                if exact_mode and len(sources) == 1 and not left_out:
                    for root in sorted(via):
                        pair = (root, k) if root < k else (k, root)
                        if root != k and pair not in linked:
                            linked.add(pair)
                            closure.links.append(pair)
                if k in known or k in skipped:
                    continue
                if k in blocked or (exclude_managed and out.managed):
                    skipped.add(k)
                    (closure.skipped_excluded if k in blocked else closure.skipped_managed).append(out)
                    continue
                previous = found.get(k)
                if previous is None:
                    found[k] = (out, via, len(sources) == 1)
                else:
                    merged = previous[1] if previous[1] >= via else previous[1] | via
                    found[k] = (previous[0], merged, previous[2] and len(sources) == 1)
        frontier = []
        # lineage sets and "pulled in by" lists are shared between the resources that have the same one:
        # a packed batch gives all its outputs one lineage of up to 100 selected resources, and copies per
        # resource would make memory grow with resources x selection
        pulled_for: dict[frozenset[Key], list[ScannedResource]] = {}
        for k, (res, via_keys, was_exact) in found.items():
            known[k] = res
            lineage[k] = via_keys
            pulled = pulled_for.get(via_keys)
            if pulled is None:
                pulled = pulled_for[via_keys] = sorted(
                    (known[s] for s in via_keys), key=lambda r: order[r.key]
                )
            closure.added.append(Added(res, closure.rounds, pulled, was_exact))
            frontier.append(res)
        if limit is not None and len(known) > limit:
            raise _too_many(len(known), f" after {closure.rounds} round(s) of related resources")
    closure.fixed_point = not frontier
    return closure


def _batches(
    frontier: list[ScannedResource],
    lineage: dict[Key, frozenset[Key]],
    order: dict[Key, int],
    exact_mode: bool,
) -> list[list[ScannedResource]]:
    """The frontier in batches of at most 100: one lineage set per batch in exact mode, else packed full
    (ordered by lineage, so that batches rarely mix)."""
    groups: dict[frozenset[Key], list[ScannedResource]] = {}
    for r in frontier:
        groups.setdefault(lineage[r.key], []).append(r)
    ordered = [m for _, m in sorted(groups.items(), key=lambda kv: sorted(order[k] for k in kv[0]))]
    runs = ordered if exact_mode else [[r for members in ordered for r in members]]
    return [run[i : i + MAX_RELATED_BATCH] for run in runs for i in range(0, len(run), MAX_RELATED_BATCH)]


# --- wiring to a scan ------------------------------------------------------------------------------------


@dataclass
class SelectionPlan:
    """What `generate` will send: the selection, what --related added and why, and the calls it took."""

    scan_id: str
    selection: SelectionResult
    closure: Closure

    @property
    def resources(self) -> list[ScannedResource]:
        return self.closure.resources

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "listing_calls": self.selection.calls,
            "excluded": [r.to_dict() for r in self.selection.excluded],
            **self.closure.to_dict(),
        }


GRAMMAR_CHECK = "check it with: iacgen resources (resources owned by a stack are never selected)"


def _why_nothing(aws: Aws, scan_id: str, selects: list[Selector]) -> str:
    """Why a selection matched nothing, from a second look only now that it has failed: an id= that is part
    of an identifier but not a whole one (a queue is known by its URL), or resources a stack already owns."""
    from iacgen.core.scans import list_resources

    near: dict[Key, ScannedResource] = {}
    owned: dict[Key, ScannedResource] = {}
    for selector in selects:
        # as evaluate() does: one listing per query, the selector's matches are in all of them
        listings = [
            {r.key: r for r in list_resources(aws, scan_id, include_managed=True, **query)}
            for query in selector.queries()
        ]
        common = set(listings[0]).intersection(*listings[1:])
        loose = Selector(tuple(t for t in selector.terms if t.kind != "id"))
        for key in sorted(common):  # the same hint each time
            r = listings[0][key]
            if selector.local_match(r):
                if r.managed:
                    owned[key] = r
            elif loose.local_match(r) and not r.managed:
                near[key] = r
    if near:
        shown = "; ".join(f"{'|'.join(r.identifier.values())} ({r.type})" for r in list(near.values())[:3])
        more = f" and {len(near) - 3} more" if len(near) > 3 else ""
        return f"id= takes a whole identifier as the scan lists it: {shown}{more}"
    if owned:
        return (
            f"{len(owned)} matching resource(s) already belong to a stack, and those are never selected "
            "(see them with: iacgen resources --include-managed)"
        )
    return GRAMMAR_CHECK


def plan_selection(
    aws: Aws,
    scan_id: str,
    selects: list[str],
    excludes: Sequence[str] = (),
    *,
    related: bool = False,
    depth: int | None = None,
    limit: int | None = MAX_TEMPLATE_RESOURCES,
    attribute_over: int = MAX_TEMPLATE_RESOURCES,
) -> SelectionPlan:
    """Parse, list and close over a scan; `limit` None lifts the one-template cap (the caller partitions;
    beyond `attribute_over` resources the closure is re-run with one batch per lineage to learn the links).
    Bad expressions and empty selections are UsageErrors (exit 2),
    raised before any call that would change anything."""
    from iacgen.core.scans import fetch_related, list_resources

    if not selects:
        raise UsageError("nothing selected: pass at least one --select EXPR", GRAMMAR)
    if depth is not None and depth < 0:
        raise UsageError("--related-depth must be 0 or more", None)
    sel = [parse_select(e) for e in selects]
    exc = [parse_select(e) for e in excludes]

    def list_fn(**filters: str) -> Iterable[ScannedResource]:
        return list_resources(aws, scan_id, **filters)  # type: ignore[arg-type]

    result = evaluate(list_fn, sel, exc)
    if not result.resources:
        what = " or ".join(f"'{s}'" for s in sel)
        extra = f" after --exclude removed {len(result.excluded)}" if result.excluded else ""
        raise UsageError(
            f"the selection {what} matches no resource in scan {scan_id}{extra}",
            _why_nothing(aws, scan_id, sel) if not result.excluded else GRAMMAR_CHECK,
        )
    fetch = fetch_related(aws, scan_id)
    exact = related and len(result.resources) > attribute_over  # beyond one template before any relation
    closure = related_closure(
        fetch,
        result.resources,
        depth=(depth if related else 0),
        excluded=result.blocked,
        limit=limit,
        exact_attribution_limit=len(result.resources) if exact else EXACT_ATTRIBUTION_LIMIT,
    )
    if related and not exact and len(closure.resources) > attribute_over and closure.mixed_batches:
        # Beyond one template the partition needs to know which resources belong together, which packed
        # batches cannot tell: close over the selection again with one batch per lineage (exact links).
        closure = related_closure(
            fetch,
            result.resources,
            depth=depth,
            excluded=result.blocked,
            limit=limit,
            exact_attribution_limit=len(result.resources),
        )
        exact = True
    closure.attribution_pass = exact  # batched per lineage to learn the links, beyond the smallest selections
    return SelectionPlan(scan_id, result, closure)
