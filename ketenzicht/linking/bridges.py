"""Bridges on intake: a new mention that links two persons merges them, so the persons do not depend on
the order in which registrations arrive.

Mention B arrives after A and C, and scores at or above the upper threshold against both, while A and C
alone do not link: a batch rebuild makes A, B and C one person (single linkage), so online linking must too.
The matcher links B to its best person and then merges every other person B links to, within the guards
the rebuild's clustering keeps (`engine.resolve.cluster`):

- never two persons with different valid BSNs (either's set a subset of the other's is no conflict);
- never two persons whose complete dates of birth contradict (`engine.resolve.dates_contradict`);
- never two persons a reviewer called different (a `PairDecision` "different" between their mentions);
- two large persons (both at least `Guards.large` mentions) only on a link of at least `Guards.strong`, or
  with at least `Guards.bridge_support` mentions of the other person linking to the new one.

A refused bridge is a review item with the reason ("different valid BSNs", "weak link between two large
persons"), unless a reviewer's "different persons" refused it: that is not asked again. A merge
of a stored person goes through `services.person_merge`: it is recorded (`PersonMerge`, reversible with
`merge_undo`; the reason names the mention) and logged. A new person of the same batch merged into another
is never created. The larger person keeps its id (a stored one on a tie).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person

from .engine.resolve import DIFFERENT_DATES as _DIFFERENT_DATES
from .engine.resolve import Guards, bsns_contradict, dates_contradict
from .models import LinkMethod, MentionFeatures, MentionLink, PairDecision
from .services import person_merge

# Why a bridge was refused; the first two are the reasons of the review item that asks instead.
DIFFERENT_BSNS = gettext_noop("different valid BSNs")
WEAK_LINK = gettext_noop("weak link between two large persons")
DIFFERENT_DATES = gettext_noop("different dates of birth")
assert DIFFERENT_DATES == _DIFFERENT_DATES  # the reason the rebuild's clustering gives
REVIEWER_DIFFERENT = "reviewer: different persons"  # not asked again


def _slot(ref: object) -> object:
    """A person's key in the batch: a stored person's id, or a new person's object identity, which is kept
    apart from the ids (an id is an int too: read as a stored person's, it would be looked up in the
    register, and could in principle equal a stored person's)."""
    return ref if isinstance(ref, int) else ("new", id(ref))


class BatchPersons:
    """The persons of one intake batch as the matcher sees them: a stored person by its id, a new one by
    its (unsaved) object. Merges redirect one to another; `ref` follows them."""

    def __init__(
        self,
        stored_bsns: Mapping[int, set[str]] | None,
        guards: Guards,
        stored_dates: Mapping[int, Counter[str]] | None = None,
    ) -> None:
        self.guards = guards
        self._into: dict[object, object] = {}  # slot -> the ref it was merged into
        self._members: dict[object, set[object]] = {}  # slot -> the slots merged into it (itself included)
        self._added: dict[object, int] = defaultdict(int)  # slot -> mentions of this batch linked to it
        self._stored_sizes: dict[int, int] = {}
        self._stored_bsns: dict[int, set[str]] = dict(stored_bsns or {})
        self._bsns_fetched = stored_bsns is not None  # the look-up read the BSNs of every candidate person
        self._stored_mentions: dict[int, list[int]] = {}
        self._stored_dates: dict[int, Counter[str]] = dict(stored_dates or {})  # read with the BSNs
        self.merges: list[tuple[object, object, int]] = []  # (source ref, target ref, bridging mention)

    def ref(self, ref: object) -> object:
        while _slot(ref) in self._into:
            ref = self._into[_slot(ref)]
        return ref

    def slot(self, ref: object) -> object:
        return _slot(self.ref(ref))

    def merged_away(self, ref: object) -> bool:
        return _slot(ref) in self._into

    def linked(self, ref: object) -> None:
        """A mention of this batch was linked to `ref`."""
        self._added[self.slot(ref)] += 1

    def _members_of(self, ref: object) -> set[object]:
        slot = self.slot(ref)
        return self._members.setdefault(slot, {slot})

    def _stored(self, ref: object) -> list[int]:
        return [s for s in self._members_of(ref) if isinstance(s, int)]

    def size(self, ref: object) -> int:
        stored = self._stored(ref)
        missing = [p for p in stored if p not in self._stored_sizes]
        if missing:
            counts = dict(
                MentionLink.objects.filter(person_id__in=missing)
                .values("person_id")
                .annotate(n=Count("mention_id"))
                .values_list("person_id", "n")
            )
            self._stored_sizes.update({p: counts.get(p, 0) for p in missing})
        return sum(self._stored_sizes[p] for p in stored) + sum(self._added[s] for s in self._members_of(ref))

    def bsns(self, ref: object, batch_bsns: Mapping[object, set[str]]) -> set[str]:
        """The valid BSNs of the person: its stored mentions' and this batch's."""
        stored = self._stored(ref)
        missing = [p for p in stored if p not in self._stored_bsns]
        if missing and not self._bsns_fetched:
            for person_id in missing:
                self._stored_bsns[person_id] = set()
            rows = MentionFeatures.objects.filter(
                mention__link__person_id__in=missing, bsn__isnull=False
            ).values_list("mention__link__person_id", "bsn")
            for person_id, bsn in rows:
                if bsn:
                    self._stored_bsns[person_id].add(bsn)
        found: set[str] = set()
        for member in self._members_of(ref):
            found |= self._stored_bsns.get(member, set()) if isinstance(member, int) else set()
            found |= batch_bsns.get(member, set())
        return found

    def dates(self, ref: object, batch_dates: Mapping[object, Counter[str]]) -> Counter[str]:
        """The complete dates of birth of the person's mentions (stored and of this batch), each with how
        many mentions carry it."""
        stored = self._stored(ref)
        missing = [p for p in stored if p not in self._stored_dates]
        if missing:
            for person_id in missing:
                self._stored_dates[person_id] = Counter()
            rows = MentionFeatures.objects.filter(mention__link__person_id__in=missing).values_list(
                "mention__link__person_id", "data__birth_date"
            )
            for person_id, date in rows:
                if date:  # a JSON key read as a number on some databases
                    self._stored_dates[person_id][str(date)] += 1
        found: Counter[str] = Counter()
        for member in self._members_of(ref):
            if isinstance(member, int):
                found.update(self._stored_dates.get(member, Counter()))
            found.update(batch_dates.get(member, Counter()))
        return found

    def _mentions_of(self, ref: object) -> list[int]:
        stored = self._stored(ref)
        missing = [p for p in stored if p not in self._stored_mentions]
        if missing:
            for person_id in missing:
                self._stored_mentions[person_id] = []
            for mention_id, person_id in MentionLink.objects.filter(person_id__in=missing).values_list(
                "mention_id", "person_id"
            ):
                self._stored_mentions[person_id].append(mention_id)
        return [m for p in stored for m in self._stored_mentions[p]]

    def bridge_refused(
        self,
        mine: object,
        other: object,
        *,
        probability: float,
        support: int,
        batch_bsns: Mapping[object, set[str]],
        bsn: str | None,
        batch_dates: Mapping[object, Counter[str]] | None = None,
        birth_date: str | None = None,
    ) -> str | None:
        """Why the new mention (with valid BSN `bsn` and complete date of birth `birth_date`, linked to
        `mine`) may not merge `other` into its person, or None. `support`: the mentions of `other` that
        link to the new mention."""
        ours = self.bsns(mine, batch_bsns) | ({bsn} if bsn else set())
        theirs = self.bsns(other, batch_bsns)
        if bsns_contradict(ours, theirs):
            return DIFFERENT_BSNS
        # The new mention's own date is the model's to weigh (engine.resolve.join_contradicts): only the
        # mentions its person already holds must agree with the other person's.
        if batch_dates is not None and dates_contradict(
            self.dates(mine, batch_dates), self.dates(other, batch_dates)
        ):
            return DIFFERENT_DATES
        guards = self.guards
        # The new mention counts with its person: in a rebuild it would have joined that one first.
        large = min(self.size(mine) + 1, self.size(other)) >= guards.large
        if large and probability < guards.strong and support < guards.bridge_support:
            return WEAK_LINK
        left, right = self._mentions_of(mine), self._mentions_of(other)
        if left and right:
            different = PairDecision.objects.filter(decision=PairDecision.Decision.DIFFERENT).filter(
                Q(left_id__in=left, right_id__in=right) | Q(left_id__in=right, right_id__in=left)
            )
            if different.exists():
                return REVIEWER_DIFFERENT
        return None

    def merge(self, mine: object, other: object, mention_id: int) -> object:
        """Merge the persons of `mine` and `other`; returns the person that keeps its id."""
        mine, other = self.ref(mine), self.ref(other)

        def rank(ref: object) -> tuple[int, bool]:
            return (self.size(ref), isinstance(ref, int))

        target, source = (other, mine) if rank(other) > rank(mine) else (mine, other)
        members = self._members_of(source)
        self._members_of(target).update(members)
        self._into[_slot(source)] = target
        self.merges.append((source, target, mention_id))
        return target

    def new_persons(self, persons: Iterable[Person]) -> list[Person]:
        """The new persons of the batch that were not merged into another."""
        return [p for p in persons if not self.merged_away(p)]

    def store(self, *, actor: User | None) -> set[int]:
        """Merge the stored persons merged away on intake into the persons that took them (after the new
        persons are saved and the batch's links written). Returns the persons involved."""
        involved: set[int] = set()
        for source, _target, mention_id in self.merges:
            if not isinstance(source, int):
                continue  # a new person of this batch: never created
            target = self.ref(source)
            target_id = target if isinstance(target, int) else target.pk  # type: ignore[attr-defined]
            person_merge(
                source=Person.objects.get(pk=source),
                target=Person.objects.get(pk=target_id),
                actor=actor,
                reason=f"bridge: mention {mention_id}",
                method=LinkMethod.ONLINE,
            )
            involved |= {source, target_id}
        return involved
