"""From scored pairs to persons: constrained clustering, and person ids that stay stable across rebuilds.

Pure: no Django. Four guards keep a false merge from happening silently:

- different valid BSNs never end up in one person, unless a reviewer said they are the same person;
- dates of birth that contradict never end up in one person either (`dates_contradict`): a chain through
  a mention without a date (father and son at one address, two namesakes) cannot join them;
- a reviewer's "different persons" is never overruled, however strong the evidence;
- one weak link never chains two large clusters: between two clusters that are both at least
  `large` mentions, a link below `strong` needs the support of at least `bridge_support` links.

`carry_ids` maps new clusters onto the person ids of the previous run, so that a person keeps its id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

DIFFERENT_DATES = "different dates of birth"


def _swapped(x: str, y: str) -> bool:
    return x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]


def _far_apart(x: str, y: str) -> bool:
    """Two complete dates (YYYYMMDD) that no single slip explains: not equal, not day and month swapped,
    more than one character apart (the birth-date comparison's levels "same year" and "else")."""
    if x == y or len(x) != 8 or len(y) != 8 or _swapped(x, y):
        return False
    return sum(a != b for a, b in zip(x, y, strict=True)) > 1


def _settled(dates: Mapping[str, int]) -> dict[str, int]:
    """A person's dates without its slips: a date one slip away from a date that more of its mentions
    carry is a typo of that one and says nothing of its own."""
    return {
        x: n
        for x, n in dates.items()
        if not any(m > n and y != x and not _far_apart(x, y) for y, m in dates.items())
    }


def _held_together(x: str, y: str, ours: Mapping[str, int], theirs: Mapping[str, int]) -> bool:
    """Whether one of the two persons already holds both dates: a reviewer's "same person", or a merge
    these rules allowed, accepted that pair of dates in one person, so it is no reason to refuse."""
    return bool(ours.get(y)) or bool(theirs.get(x))


def bsns_contradict(ours: Collection[str], theirs: Collection[str]) -> bool:
    """Whether two persons' valid BSNs say they are two people: both hold some and neither's are all among
    the other's (one person may carry a BSN on some mentions and none on others)."""
    mine, other = set(ours), set(theirs)
    return bool(mine and other and not (mine <= other or other <= mine))


def dates_contradict(ours: Mapping[str, int], theirs: Mapping[str, int]) -> bool:
    """Whether two persons (complete date of birth -> how many of its mentions carry it) cannot be one.

    Each person's dates count without its slips (`_settled`). They contradict when a date of one and a
    date of the other are far apart (`_far_apart`), or one character apart while each is carried by at
    least two mentions of its person: one slip of the pen makes one mention differ, not two that agree
    with each other against two others (two namesakes born in one year, a month apart). A day and month
    swapped never contradicts (a source that writes dates the other way round does so every time)."""
    if not ours or not theirs:
        return False
    mine, other = _settled(ours), _settled(theirs)
    for x, nx in mine.items():
        for y, ny in other.items():
            if x == y or _swapped(x, y) or _held_together(x, y, ours, theirs):
                continue
            if _far_apart(x, y) or (nx >= 2 and ny >= 2):
                return True
    return False


def join_contradicts(
    ours: Mapping[str, int], theirs: Mapping[str, int], left: str | None = None, right: str | None = None
) -> bool:
    """Whether joining two persons through the pair of mentions with dates of birth `left` (one of ours)
    and `right` (one of theirs) would put contradicting dates in one person, as `dates_contradict` judges.

    The joining pair's own dates are left to the model that scored it (a date written wholly wrong is a
    known kind of error, weighed there against the names and the address): a difference between the very
    dates of the joining pair does not count when one of them rests on a single mention; it does when
    both sides carry their date twice or more (two namesakes, each seen twice with their own date). Any
    other difference counts. So two single mentions are never refused here, nor one mention with a wrong
    date joining a person whose mentions agree, while a chain A-B-C through an undated or agreeing B whose
    ends disagree is."""
    if not ours or not theirs:
        return False
    mine, other = _settled(ours), _settled(theirs)
    for x, nx in mine.items():
        for y, ny in other.items():
            if x == y or _swapped(x, y) or _held_together(x, y, ours, theirs):
                continue
            if (x, y) == (left, right) and (ours.get(x) == 1 or theirs.get(y) == 1):
                continue  # the model weighed this very difference in the joining pair, on one mention's word
            if _far_apart(x, y) or (nx >= 2 and ny >= 2):
                return True
    return False


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left: str
    right: str
    probability: float


@dataclass(frozen=True)
class Guards:
    threshold: float = 0.99  # link at or above this probability
    strong: float = 0.999  # a link this strong may join two large clusters on its own
    large: int = 3  # a cluster of this many mentions or more counts as large
    bridge_support: int = 2  # links needed to join two large clusters below `strong`


@dataclass
class Clustering:
    cluster_of: dict[str, str]  # mention -> cluster representative (the smallest mention id in it)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (left, right, reason) above threshold

    def members(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for mention, cluster in self.cluster_of.items():
            groups[cluster].append(mention)
        return {cluster: sorted(mentions) for cluster, mentions in groups.items()}


class _Clusters:
    """Union-find that keeps per cluster its members, valid BSNs, complete dates of birth (with how many
    mentions carry each) and the mentions it may never join. Only what a mention alone does not say is
    held: a mention never joined has no entry (a rebuild clusters a million mentions, most of them alone)."""

    def __init__(self, nodes: Collection[str], bsn_of: Mapping[str, str], birth_date_of: Mapping[str, str]):
        self.nodes = nodes
        self.bsn_of = bsn_of
        self.birth_date_of = birth_date_of
        self.parent: dict[str, str] = {}  # a joined mention -> towards its root (roots have none)
        self.members: dict[str, set[str]] = {}  # root of two or more mentions -> its mentions
        self.bsns: dict[str, set[str]] = {}  # root of two or more -> the valid BSNs of its mentions
        self.dates: dict[str, Counter[str]] = {}  # root of two or more -> its complete dates, counted
        self.never: dict[str, set[str]] = {}  # root -> mentions it may never join

    def find(self, node: str) -> str:
        root = node
        while (up := self.parent.get(root)) is not None:
            root = up
        while node != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def members_of(self, root: str) -> set[str]:
        return self.members.get(root) or {root}

    def bsns_of(self, root: str) -> set[str]:
        if root in self.members:
            return self.bsns.get(root, set())
        return {self.bsn_of[root]} if root in self.bsn_of else set()

    def dates_of(self, root: str) -> Counter[str]:
        if root in self.members:
            return self.dates.get(root, Counter())
        date = self.birth_date_of.get(root)
        return Counter([date]) if date else Counter()

    def forbid(self, a: str, b: str) -> None:
        self.never.setdefault(self.find(a), set()).add(b)
        self.never.setdefault(self.find(b), set()).add(a)

    def why_not(self, a: str, b: str) -> str | None:
        ra, rb = self.find(a), self.find(b)
        small, large = (ra, rb) if self.size(ra) <= self.size(rb) else (rb, ra)
        never_large, never_small = self.never.get(large, set()), self.never.get(small, set())
        if never_large & self.members_of(small) or never_small & self.members_of(large):
            return "reviewer: different persons"
        bsn_a, bsn_b = self.bsns_of(ra), self.bsns_of(rb)
        if bsn_a and bsn_b and not (bsn_a <= bsn_b or bsn_b <= bsn_a):
            return "different valid BSNs"
        if join_contradicts(
            self.dates_of(ra), self.dates_of(rb), self.birth_date_of.get(a), self.birth_date_of.get(b)
        ):
            return DIFFERENT_DATES
        return None

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size(ra) < self.size(rb):
            ra, rb = rb, ra
        bsns = self.bsns_of(ra) | self.bsns_of(rb)
        dates = self.dates_of(ra) + self.dates_of(rb)
        members = self.members.pop(ra, None) or {ra}
        members.update(self.members.pop(rb, {rb}))
        self.bsns.pop(rb, None)
        self.dates.pop(rb, None)
        self.parent[rb] = ra
        self.members[ra] = members
        if bsns:
            self.bsns[ra] = bsns
        if dates:
            self.dates[ra] = dates
        if rb in self.never:
            self.never.setdefault(ra, set()).update(self.never.pop(rb))
        return ra

    def size(self, node: str) -> int:
        root = self.find(node)
        members = self.members.get(root)
        return len(members) if members else 1


def cluster(
    nodes: Iterable[str],
    pairs: Iterable[ScoredPair],
    *,
    bsn_of: Mapping[str, str] | None = None,
    birth_date_of: Mapping[str, str] | None = None,
    same: Iterable[tuple[str, str]] = (),
    different: Iterable[tuple[str, str]] = (),
    guards: Guards | None = None,
) -> Clustering:
    """Cluster mentions from scored pairs under the guards.

    `bsn_of` holds the valid BSN of mentions that have one, `birth_date_of` the complete date of birth
    (YYYYMMDD) of mentions that have one; `same` and `different` are reviewers' decisions: `same` joins
    (and may join different BSNs or dates: a reviewer saw it), `different` keeps apart.
    """
    guards = guards or Guards()
    node_set = set(nodes)
    all_nodes = sorted(node_set)
    clusters = _Clusters(node_set, bsn_of or {}, birth_date_of or {})
    refused: list[tuple[str, str, str]] = []
    for a, b in different:
        if a in clusters.nodes and b in clusters.nodes:
            clusters.forbid(a, b)
    for a, b in same:
        if (
            a in clusters.nodes
            and b in clusters.nodes
            and clusters.why_not(a, b) != "reviewer: different persons"
        ):
            clusters.union(a, b)

    strong_first = sorted(
        (p for p in pairs if p.probability >= guards.threshold and p.left != p.right),
        key=lambda p: (-p.probability, p.left, p.right),
    )
    deferred_pairs: list[ScoredPair] = []
    for pair in strong_first:
        if clusters.find(pair.left) == clusters.find(pair.right):
            continue
        reason = clusters.why_not(pair.left, pair.right)
        if reason:
            refused.append((pair.left, pair.right, reason))
            continue
        both_large = min(clusters.size(pair.left), clusters.size(pair.right)) >= guards.large
        if both_large and pair.probability < guards.strong:
            deferred_pairs.append(pair)
            continue
        clusters.union(pair.left, pair.right)

    # Weak bridges between large clusters: join only with enough independent support.
    support: Counter[tuple[str, str]] = Counter()
    for pair in deferred_pairs:
        support[_key(clusters, pair)] += 1
    for pair in deferred_pairs:
        key = _key(clusters, pair)
        if key[0] == key[1]:
            continue
        reason = clusters.why_not(pair.left, pair.right)
        if reason is None and support[key] >= guards.bridge_support:
            clusters.union(pair.left, pair.right)
        elif reason is None:
            refused.append((pair.left, pair.right, "weak link between two large clusters"))
        else:
            refused.append((pair.left, pair.right, reason))

    representative = {root: min(members) for root, members in clusters.members.items()}
    return Clustering(
        {node: representative.get(root := clusters.find(node), root) for node in all_nodes}, refused
    )


def _key(clusters: _Clusters, pair: ScoredPair) -> tuple[str, str]:
    a, b = clusters.find(pair.left), clusters.find(pair.right)
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Carried:
    person_of_cluster: dict[str, str | None]  # new cluster -> old person id, or None for a new person
    merged: dict[str, str]  # old person id that lost its cluster -> the old person id that took its mentions


def carry_ids(old_person_of: Mapping[str, str], clustering: Clustering) -> Carried:
    """Give each new cluster the old person id it shares most mentions with; each old id goes to one
    cluster at most (the one that holds most of its mentions). Ties break on ids, so the result is stable.
    An old id whose mentions all went to clusters that took other ids is recorded as merged into the id
    that received most of them."""
    overlap: Counter[tuple[str, str]] = Counter()
    for mention, cluster_id in clustering.cluster_of.items():
        person = old_person_of.get(mention)
        if person is not None:
            overlap[(cluster_id, person)] += 1
    person_of_cluster: dict[str, str | None] = {c: None for c in set(clustering.cluster_of.values())}
    taken: set[str] = set()
    for (cluster_id, person), _count in sorted(overlap.items(), key=lambda item: (-item[1], item[0])):
        if person_of_cluster[cluster_id] is None and person not in taken:
            person_of_cluster[cluster_id] = person
            taken.add(person)
    # Where the mentions of each old id went (read once: a rebuild of a million mentions merges thousands).
    went: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (cluster_id, person), count in overlap.items():
        if person not in taken and person_of_cluster[cluster_id] is not None:
            went[person][cluster_id] = count
    merged: dict[str, str] = {}
    for person in sorted(set(old_person_of.values()) - taken):
        receivers = went.get(person)
        if receivers:
            best = min(receivers, key=lambda c: (-receivers[c], c))
            target = person_of_cluster[best]
            assert target is not None
            merged[person] = target
    return Carried(person_of_cluster, merged)


# --- candidates through a relation -------------------------------------------------------------------
#
# A mention the matcher could not place may still be someone the register knows: "his ex-partner Sandra
# Verbeek" without a date of birth scores too low against "Sandra Wilhelmina Verbeek, 02-09-1988", yet
# both are named as the ex-partner of one linked man. Such a pair is no link, but a question for a
# reviewer. These rules say which pairs to ask about.

# Relation kinds in domestic violence, grouped: a partner may be an ex-partner later, not family.
RELATION_GROUPS = {"partner": "intimate", "ex_partner": "intimate", "family": "family", "child": "family"}
HOUSEHOLD = "household"  # two mentions of one registration registered at one home
# Levels of the surname comparison that say the names agree (exactly, in a part, nearly, by sound).
SURNAME_AGREES = frozenset(
    {
        "exact, rare name",
        "exact, common name",
        "exact",
        "a part in common",
        "first part within 1 edit",
        "first part within 2 edits",
        "sounds alike",
    }
)
# Levels that contradict being one person, whatever the names say.
CONTRADICTIONS = frozenset(
    {("bsn", "different valid BSNs"), ("birth_date", "else"), ("sex", "else"), ("given_names", "else")}
)


def relations_agree(one: str, other: str) -> bool:
    """Whether two relations to one person may name the same other person: both intimate (partner,
    ex-partner), both family, or either one a shared home."""
    if HOUSEHOLD in (one, other):
        return True
    group = RELATION_GROUPS.get(one)
    return group is not None and group == RELATION_GROUPS.get(other)


def names_compatible(levels: Mapping[str, str]) -> bool:
    """Whether a pair's comparison levels (name -> level) allow one person: the surname agrees, and no
    field contradicts it (a given name that differs, another date of birth or sex, another valid BSN).
    Fields one side leaves empty say nothing."""
    if levels.get("surname") not in SURNAME_AGREES:
        return False
    return not any((name, level) in CONTRADICTIONS for name, level in levels.items())
