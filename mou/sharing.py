"""The information-sharing map: how can agency A share a category of information with agency B?

The answer comes from the agreements in force that the actor may see: the direct instrument if there
is one, otherwise the shortest chains of intermediaries, each hop with its instruments. Pending
agreements the actor may see show what would change once they are signed. Instruments carry their
conditions (the MLAT applies only in conjunction with criminal proceedings).
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.db.models import Prefetch

from members.models import Agency, User
from taskforce import permissions

from .models import Agreement, InformationCategory

MAX_ROUTES = 12


@dataclass(frozen=True)
class Hop:
    source: Agency
    target: Agency
    instruments: tuple[Agreement, ...]


@dataclass(frozen=True)
class Route:
    hops: tuple[Hop, ...]

    @property
    def intermediaries(self) -> list[Agency]:
        return [hop.target for hop in self.hops[:-1]]


@dataclass
class Answer:
    source: Agency
    target: Agency
    category: InformationCategory
    routes: list[Route] = field(default_factory=list)
    # What the best answer would be once these pending agreements are signed (None: nothing changes).
    once_signed: "Answer | None" = None
    pending: list[Agreement] = field(default_factory=list)

    @property
    def is_direct(self) -> bool:
        return bool(self.routes) and len(self.routes[0].hops) == 1

    @property
    def hops(self) -> int | None:
        return len(self.routes[0].hops) if self.routes else None

    @property
    def direct_instruments(self) -> tuple[Agreement, ...]:
        return self.routes[0].hops[0].instruments if self.is_direct else ()

    @property
    def awaits_force(self) -> bool:
        """Every pending agreement the better answer needs is signed: it holds from their in-force date."""
        return bool(self.pending) and all(a.status == Agreement.Status.SIGNED for a in self.pending)


Graph = dict[int, dict[int, list[Agreement]]]


def _instruments(actor: User, category: InformationCategory, *, pending: bool, criminal_proceedings: bool):
    statuses = [Agreement.Status.IN_FORCE]
    if pending:
        statuses += [
            Agreement.Status.DRAFTING, Agreement.Status.IN_APPROVAL, Agreement.Status.READY_FOR_SIGNATURE,
            Agreement.Status.SIGNED,
        ]
    agreements = Agreement.objects.filter(categories=category, status__in=statuses)
    if not criminal_proceedings:
        agreements = agreements.exclude(condition=Agreement.Condition.CRIMINAL_PROCEEDINGS)
    parties = Prefetch("parties", queryset=Agency.objects.all(), to_attr="party_list")
    return list(permissions.scope(actor, agreements).prefetch_related(parties).order_by("short_name"))


def _graph(agreements: list[Agreement]) -> Graph:
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for agreement in agreements:
        for a in agreement.party_list:
            for b in agreement.party_list:
                if a.pk != b.pk:
                    graph[a.pk][b.pk].append(agreement)
    return graph


def _shortest_paths(graph: Graph, source: int, target: int, max_hops: int) -> list[list[int]]:
    """Every shortest path (as agency ids) from source to target, breadth first."""
    if source == target:
        return []
    depth, parents = {source: 0}, defaultdict(list)
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if depth[node] >= max_hops or (target in depth and depth[node] >= depth[target]):
            continue
        for neighbour in sorted(graph[node]):
            if neighbour not in depth:
                depth[neighbour] = depth[node] + 1
                queue.append(neighbour)
            if depth[neighbour] == depth[node] + 1:
                parents[neighbour].append(node)
    if target not in depth:
        return []

    def walk(node: int) -> list[list[int]]:
        if node == source:
            return [[source]]
        return [path + [node] for parent in parents[node] for path in walk(parent)]

    return walk(target)[:MAX_ROUTES]


def _routes(graph: Graph, agencies: dict[int, Agency], source: Agency, target: Agency, max_hops: int) -> list[Route]:
    routes = []
    for path in _shortest_paths(graph, source.pk, target.pk, max_hops):
        hops = tuple(
            Hop(agencies[a], agencies[b], tuple(graph[a][b])) for a, b in zip(path, path[1:], strict=False)
        )
        routes.append(Route(hops))
    return sorted(routes, key=lambda r: [a.acronym for a in r.intermediaries])


def sharing_answer(
    *,
    actor: User,
    source: Agency,
    target: Agency,
    category: InformationCategory,
    criminal_proceedings: bool = False,
    max_hops: int = 3,
) -> Answer:
    in_force = _instruments(actor, category, pending=False, criminal_proceedings=criminal_proceedings)
    with_pending = _instruments(actor, category, pending=True, criminal_proceedings=criminal_proceedings)
    agencies = {a.pk: a for agreement in with_pending for a in agreement.party_list}
    agencies.update({source.pk: source, target.pk: target})
    answer = Answer(source, target, category, _routes(_graph(in_force), agencies, source, target, max_hops))
    future = Answer(source, target, category, _routes(_graph(with_pending), agencies, source, target, max_hops))
    if future.routes and (answer.hops is None or future.hops < answer.hops):
        answer.once_signed = future
        used = {a.pk: a for route in future.routes for hop in route.hops for a in hop.instruments if a.is_pending}
        answer.pending = sorted(used.values(), key=lambda a: a.short_name)
    return answer


@dataclass(frozen=True)
class Cell:
    hops: int | None
    direct: tuple[Agreement, ...]
    via: tuple[Agency, ...]
    improves_once_signed: bool


def sharing_matrix(
    *, actor: User, agencies: list[Agency], category: InformationCategory, criminal_proceedings: bool = False
) -> dict[tuple[int, int], Cell]:
    """For every ordered pair of agencies: direct instruments, or the intermediaries of the best routes."""
    in_force = _graph(_instruments(actor, category, pending=False, criminal_proceedings=criminal_proceedings))
    pending_agreements = _instruments(actor, category, pending=True, criminal_proceedings=criminal_proceedings)
    pending = _graph(pending_agreements)
    by_id = {a.pk: a for agreement in pending_agreements for a in agreement.party_list}
    by_id.update({a.pk: a for a in agencies})
    cells = {}
    for a in agencies:
        for b in agencies:
            if a.pk == b.pk:
                continue
            now = _shortest_paths(in_force, a.pk, b.pk, 3)
            later = _shortest_paths(pending, a.pk, b.pk, 3)
            hops = len(now[0]) - 1 if now else None
            via = {by_id.get(p[1]) for p in now if len(p) > 2}
            cells[(a.pk, b.pk)] = Cell(
                hops=hops,
                direct=tuple(in_force[a.pk][b.pk]) if hops == 1 else (),
                via=tuple(sorted((v for v in via if v), key=lambda x: x.acronym)),
                improves_once_signed=bool(later) and (hops is None or len(later[0]) - 1 < hops),
            )
    return cells
