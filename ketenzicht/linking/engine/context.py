"""Context from relations: one more term of the match weight, from the persons a mention is related to.

A mention that stands in a domestic-violence relation (partner, ex-partner, family) to another mention of
its registration, or is registered at one home with it, carries evidence no name comparison has when that
other mention is linked to a known person X: a candidate person who was in such a relation with X before
is much more likely the same person than a stranger with the same name. "Sandra Verbeek" without a date
of birth, ex-partner of the linked Dennis van der Linden, against "Sandra Wilhelmina Verbeek", named before
as his ex-partner.

The term is a comparison like the others: ordered levels, the first that holds wins, weight
log2(m / u), null weight 0. Its parameters live in their own file (`ContextModel`, not inside Splink's
model JSON, which knows nothing of relations), estimated from the register (`estimate`): u among pairs of
mentions of different persons with the same surname (families share relatives and homes, so a random pair
would make the evidence look far stronger than it is), m among pairs of mentions of one person.

A tie is (the person of the related mention, the kind of relation). The ties of a candidate are those of
every mention of its person (online) or cluster (batch second pass).

Pure: no Django.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .columns import FeatureColumns
from .model import ComparisonScore, LinkModel, Score, match_weight_to_probability
from .resolve import HOUSEHOLD, RELATION_GROUPS, names_compatible

NAME = "relation"  # the comparison's name in a Score and a review item
FORMAT = "ketenzicht-relation-context"
FORMAT_VERSION = 1

NULL = "no known related person"
SAME_INTIMATE = "same partner or ex-partner"
SAME_FAMILY = "same family member"
SAME_HOME = "same home as a related person"
OTHER_RELATION = "same related person, other relation"
NO_SHARED = "no shared related person"
# In order: the first that holds wins (the strongest evidence first). NULL: either side has no tie.
LEVELS = (NULL, SAME_INTIMATE, SAME_FAMILY, SAME_HOME, OTHER_RELATION, NO_SHARED)
# No evidence either way: a relation that disagrees (his sister before, his ex-partner now); and a shared
# home, which the address comparison weighs already (counted twice, it joined three pairs of strangers in
# 40,000 generator mentions). Such a level is shown, and a shared home still brings a review question.
ZERO_WEIGHT = frozenset({OTHER_RELATION, SAME_HOME})
# Evidence for one person: the levels that may lift a pair over the threshold.
SHARED = frozenset({SAME_INTIMATE, SAME_FAMILY, SAME_HOME})

# A floor under the m of "no shared related person": people take new partners and move, so a register
# whose repeat registrations nearly always name the same relatives (the generator's) must not teach that
# a new relation is strong evidence of another person (m 0.001 there: -9.5 bits).
MIN_M = {NO_SHARED: 0.05}

Tie = tuple[Any, str]  # (person of the related mention, relation kind or HOUSEHOLD)
Home = tuple[str, str]  # (postcode, house number)
# Per registration: the home of each of its mentions (None without postcode or house number) and its
# relations (from, to, kind), as `ties_of` takes them (the rebuild reads them from the register,
# `link_file` from a file's columns).
Related = Sequence[tuple[Mapping[Any, Home | None], Iterable[tuple[Any, Any, str]]]]


def close_to(
    homes: Mapping[Any, Home | None], relations: Iterable[tuple[Any, Any, str]]
) -> dict[Any, dict[Any, str]]:
    """Per mention of one registration, the mentions it stands in a domestic-violence relation to (either
    direction) or shares a home with (`HOUSEHOLD`), and the kind. `homes`: every mention of the
    registration and its home (None when postcode or house number is missing)."""
    close: dict[Any, dict[Any, str]] = defaultdict(dict)
    for left, right, kind in relations:
        if kind in RELATION_GROUPS:
            close[left][right] = close[right][left] = kind
    for a, home_a in homes.items():
        if home_a is None:
            continue
        for b, home_b in homes.items():
            if a != b and home_a == home_b:
                close[a].setdefault(b, HOUSEHOLD)
    return close


def level(mine: Collection[Tie], theirs: Collection[Tie], *, exclude: Collection[Any] = ()) -> str:
    """The context level of a pair: `mine` the ties of the mention, `theirs` those of the candidate's
    person. Ties to a person in `exclude` (the two sides' own persons) say nothing."""
    mine = [t for t in mine if t[0] not in exclude]
    theirs = [t for t in theirs if t[0] not in exclude]
    if not mine or not theirs:
        return NULL
    kinds_mine: dict[Any, set[str]] = defaultdict(set)
    kinds_theirs: dict[Any, set[str]] = defaultdict(set)
    for person, kind in mine:
        kinds_mine[person].add(kind)
    for person, kind in theirs:
        kinds_theirs[person].add(kind)
    found: set[str] = set()
    for person in kinds_mine.keys() & kinds_theirs.keys():
        groups_mine = {RELATION_GROUPS[k] for k in kinds_mine[person] if k in RELATION_GROUPS}
        groups_theirs = {RELATION_GROUPS[k] for k in kinds_theirs[person] if k in RELATION_GROUPS}
        if "intimate" in groups_mine & groups_theirs:
            found.add(SAME_INTIMATE)
        elif "family" in groups_mine & groups_theirs:
            found.add(SAME_FAMILY)
        elif groups_mine and groups_theirs:
            found.add(OTHER_RELATION)  # both named, and named differently: an explicit disagreement wins
        else:
            found.add(SAME_HOME)  # a shared home on one side at least, no named relation against it
    if not found:
        return NO_SHARED
    return next(name for name in LEVELS if name in found)


@dataclass(frozen=True)
class ContextLevel:
    label: str
    m: float | None
    u: float | None
    weight: float


class ContextModel:
    """The m and u of each context level (their own file, beside the person model)."""

    def __init__(self, data: Mapping[str, Any]):
        if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"not a relation-context model of format {FORMAT} version {FORMAT_VERSION}")
        saved = {entry["label"]: entry for entry in data.get("levels", [])}
        missing = [name for name in LEVELS if name != NULL and name not in saved]
        if missing:
            raise ValueError(f"relation-context model: no m and u for the levels {missing}")
        self.data = dict(data)
        levels = {NULL: ContextLevel(NULL, None, None, 0.0)}
        for name in LEVELS[1:]:
            m, u = float(saved[name]["m"]), float(saved[name]["u"])
            if not (0 < m <= 1 and 0 < u <= 1):
                raise ValueError(f"relation-context model, level {name!r}: m and u must lie in (0, 1]")
            weight = 0.0 if name in ZERO_WEIGHT else math.log2(m / u)
            levels[name] = ContextLevel(name, m, u, weight)
        self.levels = levels

    @classmethod
    def from_file(cls, path: str | Path) -> ContextModel:
        with open(path, encoding="utf-8") as handle:
            data: dict[str, Any] = json.load(handle)
        return cls(data)

    def weight(self, name: str) -> float:
        return self.levels[name].weight

    def gamma(self, name: str) -> int:
        """Splink's numbering: -1 the null level, then counting down from the strongest."""
        return -1 if name == NULL else len(LEVELS) - 1 - LEVELS.index(name)

    @property
    def max_weight(self) -> float:
        return max(level.weight for level in self.levels.values())


# --- estimation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    """What estimation needs of a register: per mention its person, registration and surname (first
    part), and per mention its ties (`ties_of`)."""

    person_of: Mapping[Any, Any]
    registration_of: Mapping[Any, Any]
    surname_of: Mapping[Any, str | None]
    ties: Mapping[Any, frozenset[Tie]]


def ties_of(
    registrations: Iterable[tuple[Mapping[Any, Home | None], Iterable[tuple[Any, Any, str]]]],
    person_of: Mapping[Any, Any],
) -> dict[Any, frozenset[Tie]]:
    """Each mention's ties: (the person of each mention it is close to, the kind). `registrations`: per
    registration its mentions' homes and its relations (as for `close_to`)."""
    ties: dict[Any, frozenset[Tie]] = {}
    for homes, relations in registrations:
        for mention, others in close_to(homes, relations).items():
            found = frozenset(
                (person_of[o], kind) for o, kind in others.items() if o in person_of and mention in person_of
            )
            if found:
                ties[mention] = found
    return ties


def person_ties(register: Register) -> dict[Any, dict[Any, frozenset[Tie]]]:
    """Per person, the ties of each of its mentions."""
    out: dict[Any, dict[Any, frozenset[Tie]]] = defaultdict(dict)
    for mention, ties in register.ties.items():
        out[register.person_of[mention]][mention] = ties
    return out


def _theirs(of_person: Mapping[Any, frozenset[Tie]], skip: Collection[Any]) -> set[Tie]:
    return {tie for mention, ties in of_person.items() if mention not in skip for tie in ties}


def level_counts(
    register: Register, *, max_pairs: int = 2_000_000, per_mention: int = 20
) -> tuple[Counter[str], Counter[str]]:
    """The levels among pairs of one person (for m) and among pairs of different persons with the same
    surname (for u), each pair a mention with ties against the other person's ties from other
    registrations, as online. At most `max_pairs` of each (in a fixed order)."""
    by_person = person_ties(register)
    same: Counter[str] = Counter()
    different: Counter[str] = Counter()
    by_surname: dict[str, list[Any]] = defaultdict(list)
    for mention in register.ties:
        surname = register.surname_of.get(mention)
        if surname:
            by_surname[surname].append(mention)
    for mention, mine in sorted(register.ties.items(), key=lambda item: str(item[0])):
        if sum(same.values()) >= max_pairs:
            break
        person = register.person_of[mention]
        here = register.registration_of[mention]
        own = [m for m in by_person[person] if register.registration_of[m] != here]
        if own:
            theirs = _theirs(by_person[person], {m for m in by_person[person] if m not in own})
            same[level(mine, theirs, exclude={person})] += 1
    for _surname, mentions in sorted(by_surname.items()):
        if sum(different.values()) >= max_pairs:
            break
        persons = {register.person_of[m] for m in mentions}
        if len(persons) < 2:
            continue
        ordered = sorted(persons, key=str)
        for position, mention in enumerate(mentions):
            person = register.person_of[mention]
            # At most `per_mention` other persons each (a common surname has thousands), in a fixed order.
            start = position % len(ordered)
            others = [p for p in (ordered[start:] + ordered[:start]) if p != person][:per_mention]
            for other in others:
                theirs = _theirs(by_person[other], ())
                different[level(register.ties[mention], theirs, exclude={person, other})] += 1
    return same, different


ESTIMATE_FLOOR = 1e-4
# The largest weight an estimated model can give (m at most 1, u at least the floor): how far below the
# link threshold a pair may be and still be lifted over it by a term not yet estimated.
ESTIMATED_MAX_WEIGHT = math.log2(1 / ESTIMATE_FLOOR)


def estimate(
    same: Mapping[str, int], different: Mapping[str, int], *, source: str, floor: float = ESTIMATE_FLOOR
) -> dict[str, Any]:
    """A context model (as saved) from the level counts of `level_counts`: m and u per non-null level,
    each with half a pair added (a level never seen keeps a small, finite probability) and at least
    `floor`, so one unseen level cannot give an unbounded weight; m at least `MIN_M`."""
    levels = [name for name in LEVELS if name != NULL]

    def shares(counts: Mapping[str, int]) -> dict[str, float]:
        total = sum(counts.get(name, 0) for name in levels) + 0.5 * len(levels)
        return {name: max((counts.get(name, 0) + 0.5) / total, floor) for name in levels}

    m, u = shares(same), shares(different)
    for name, least in MIN_M.items():
        m[name] = max(m[name], least)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "source": source,
        "pairs": {"same person": dict(same), "different persons, same surname": dict(different)},
        "levels": [{"label": name, "m": m[name], "u": u[name]} for name in levels],
    }


def estimate_on_first_pass(
    related: Related, person_of: Mapping[Any, Any], surname_of: Mapping[Any, str | None], *, source: str
) -> dict[str, Any]:
    """The term estimated on a register without truth (`estimate` on `level_counts`), the persons of a
    first pass (`person_of`: every mention of `related` -> its cluster) taken as the register's persons;
    `surname_of`: each mention's first surname part. What the rebuild that retrains and `link_file` do
    between their two passes."""
    registration_of = {mention: index for index, (homes, _) in enumerate(related) for mention in homes}
    register = Register(person_of, registration_of, surname_of, ties_of(related, person_of))
    same, different = level_counts(register)
    return estimate(same, different, source=source)


def save(model: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(model, indent=2, sort_keys=False) + "\n", encoding="utf-8")


# --- the batch's second pass ---------------------------------------------------------------------------


def second_pass(
    pairs: Iterable[tuple[Any, Any, float]],
    cluster_of: Mapping[Any, Any],
    ties: Mapping[Any, frozenset[Tie]],
    model: ContextModel,
    compatible: Callable[[Any, Any], bool],
) -> Iterator[tuple[float, str]]:
    """The context term for the scored pairs of a batch, after a first clustering: per pair (left, right,
    match weight) the new match weight and the context level. `ties` name the first pass's clusters as
    persons (`ties_of` with `cluster_of`); a cluster's ties are those of all its mentions, and the pair's
    level is that of its two clusters. A pair already in one cluster keeps its weight (level NULL); so
    does a pair with shared relations whose names contradict (`compatible(left, right)` false: another
    date of birth, given name, sex or valid BSN; `resolve.names_compatible`)."""
    of_cluster: dict[Any, set[Tie]] = defaultdict(set)
    for mention, found in ties.items():
        of_cluster[cluster_of[mention]] |= found
    for left, right, weight in pairs:
        a, b = cluster_of[left], cluster_of[right]
        if a == b:
            yield weight, NULL
            continue
        name = level(of_cluster.get(a, ()), of_cluster.get(b, ()), exclude={a, b})
        if name in SHARED and not compatible(left, right):
            yield weight, NULL
            continue
        yield weight + model.weight(name), name


def second_pass_of(
    pairs: Iterable[tuple[Any, Any, float]],
    cluster_of: Mapping[Any, Any],
    related: Related,
    terms: ContextModel,
    model: LinkModel,
    features: FeatureColumns,
) -> Iterator[tuple[float, str]]:
    """`second_pass` over the first pass's clusters (`cluster_of`) with the ties of `related`, a pair's
    names compared by `model` on the `features` (`names_compatible`): per pair (left, right, match
    weight) the new match weight and the level. The rebuild's second pass and `link_file`'s."""

    def compatible(left: Any, right: Any) -> bool:
        score = model.score(features.of(left), features.of(right))
        return names_compatible({c.name: c.level for c in score.comparisons})

    return second_pass(pairs, cluster_of, ties_of(related, cluster_of), terms, compatible)


def with_context(score: Score, name: str, model: ContextModel) -> Score:
    """A pair's score with the context term added as one more comparison (`NAME`), as shown in the
    waterfall of a review item."""
    part = ComparisonScore(NAME, name, model.gamma(name), model.weight(name))
    total = score.match_weight + part.weight
    return replace(
        score,
        comparisons=(*score.comparisons, part),
        match_weight=total,
        match_probability=match_weight_to_probability(total),
    )
