"""Reads of signals, scoped to the user: the signals list of a police unit, one signal with its evidence,
the signals on a person's dossier, and the export for checking against a truth file (the operator's)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import User
from ketenzicht.persons.selectors import person_list_names
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.registrations.names import full_name
from ketenzicht.registrations.selectors import (
    HiddenGroup,
    registration_list_for_user,
    registration_sight_for_user,
)
from ketenzicht.registrations.sharing import visibility_filter
from ketenzicht.ui.formats import person_number

from .detector import detector
from .labels import rule_label
from .measure_breaches import measures_visible
from .models import SIGNAL_PURPOSE, Severity, Signal, SignalEvent, SignalRegistration, SignalSeen, SignalState
from .sight import SIGNAL_KIND, SIGNAL_ROLES


def may_see_signals(user: User) -> bool:
    org = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated and org is not None and org.kind == SIGNAL_KIND and user.has_role(*SIGNAL_ROLES)
    )


def signal_list_for_user(
    *, user: User, active_only: bool = False, open_only: bool = False
) -> QuerySet[Signal]:
    """The signals of the user's police unit, most severe and most recent first, with who has seen them.
    `open_only`: not closed (a withdrawn signal is closed too)."""
    if not may_see_signals(user):
        return Signal.objects.none()
    signals = Signal.objects.filter(unit=user.organisation)
    if active_only:
        signals = signals.filter(active=True)
    if open_only:
        signals = signals.exclude(state=SignalState.CLOSED)
    return (
        signals.select_related("first_fired_registration", "last_registration")
        .prefetch_related(Prefetch("seen", queryset=SignalSeen.objects.select_related("user")))
        .order_by("-active", "-severity", "-last_registered_at", "-id")  # Meta.ordering: not with GROUP BY
    )


def signal_get_for_user(*, user: User, pk: int, origin: str = "") -> Signal:
    """One signal of the user's unit; missing and forbidden alike raise NotVisible (logged as refused)."""
    try:
        return signal_list_for_user(user=user).get(pk=pk)
    except Signal.DoesNotExist:
        raise refuse(
            actor=user, object_type="signal", object_id=pk, origin=origin, purpose=SIGNAL_PURPOSE
        ) from None


@dataclass
class SignalSight:
    """What a user may see of a signal's registrations: the one that made it fire and the dates only when
    the user may see that registration; the others counted per organisation kind and unit, never named, as
    far as the sharing rules count them for the user (`counted`); any other not mentioned, not even in the
    number of the signal's registrations (`total`)."""

    shown: int  # the signal's registrations the user may see
    first_fired: Registration | None  # None: the user may not see it
    last_registered_at: dt.datetime | None  # of the latest registration the user may see
    hidden: list[HiddenGroup]
    # Asked for (`with_purpose`): those of the hidden the user would see under a stated purpose (the
    # dossier's), apart; `hidden` then holds only those the user may not see at all.
    with_purpose: list[HiddenGroup] = field(default_factory=list)
    first_fired_with_purpose: bool = False  # the user may not see it here, but would under a purpose
    # The user may not see it, and the sharing rules count it for them (another unit's police registration):
    # the page says it fired "in a registration you may not see". Of another organisation's it says nothing.
    first_fired_counted: bool = False

    @property
    def first_fired_at(self) -> dt.datetime | None:
        return self.first_fired.registered_at if self.first_fired is not None else None

    @property
    def hidden_total(self) -> int:
        return sum(group.count for group in self.hidden)

    @property
    def total(self) -> int:
        """The number of the signal's registrations the user is told of: those they may see, and those
        counted for them (another unit's police registrations), never another organisation's."""
        return self.shown + self.with_purpose_total + self.hidden_total

    @property
    def hidden_summary(self) -> str:
        return "; ".join(f"{group.label}: {group.count}" for group in self.hidden)

    @property
    def with_purpose_total(self) -> int:
        return sum(group.count for group in self.with_purpose)


def signal_sight_for_user(
    *,
    user: User,
    signals: Sequence[Signal],
    purposed: bool = False,
    everything: bool = False,
    with_purpose: bool = False,
) -> dict[int, SignalSight]:
    """Per signal, what the user may see of its registrations (two queries for a whole page; the signals
    come with their first-firing registration, as `signal_list_for_user` gives them). `purposed`: looked
    up under a stated purpose (the dossier's); `everything`: during a break-the-glass grant the caller
    checked; `with_purpose` (looked up without one, the signals list): those the user would see under a
    stated purpose counted apart from those they may not see at all."""
    if not signals:
        return {}
    evidence: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    for signal_id, registration_id, registered_at in SignalRegistration.objects.filter(
        signal__in=[s.pk for s in signals]
    ).values_list("signal_id", "registration_id", "registration__registered_at"):
        evidence[signal_id].append((registration_id, registered_at))
    ids = {r for rows in evidence.values() for r, _at in rows} | {
        s.first_fired_registration_id for s in signals
    }
    sight = registration_sight_for_user(user=user, ids=ids, purposed=purposed, with_purpose=with_purpose)
    if everything:
        sight.visible = set(ids)
        sight.hidden.clear()
        sight.with_purpose.clear()
    result = {}
    for signal in signals:
        rows = evidence.get(signal.pk, [])
        dates = [at for r, at in rows if r in sight.visible]
        shown_first = signal.first_fired_registration_id in sight.visible
        result[signal.pk] = SignalSight(
            shown=sum(1 for r, _at in rows if r in sight.visible),
            first_fired=signal.first_fired_registration if shown_first else None,
            last_registered_at=max(dates) if dates else None,
            hidden=sight.hidden_groups(r for r, _at in rows if r not in sight.with_purpose),
            with_purpose=sight.hidden_groups(r for r, _at in rows if r in sight.with_purpose),
            first_fired_with_purpose=signal.first_fired_registration_id in sight.with_purpose,
            first_fired_counted=signal.first_fired_registration_id in sight.hidden,
        )
    return result


def signal_changes_for_user(*, user: User, signals: Sequence[Signal]) -> dict[int, dict[str, Any]]:
    """Per signal, its latest change (`Signal.change`: registrations added and removed, those before) as
    `user` may be told it, read without a purpose: counted only over the registrations they may see or are
    told of (another unit's police registrations, the sharing rules' `counted`), never another
    organisation's (a Veilig Thuis file joining the signal is not "1 more registration" to the police). The
    severity's change stays. Two queries for a page."""
    changed = [signal for signal in signals if signal.change]
    if not changed:
        return {}
    now: dict[int, set[int]] = defaultdict(set)
    for signal_id, registration_id in SignalRegistration.objects.filter(
        signal__in=[signal.pk for signal in changed]
    ).values_list("signal_id", "registration_id"):
        now[signal_id].add(registration_id)
    was = {signal.pk: {int(r) for r in signal.change.get("registrations_was") or []} for signal in changed}
    ids = {r for found in (*now.values(), *was.values()) for r in found}
    sight = registration_sight_for_user(user=user, ids=ids)
    told = sight.visible | set(sight.hidden)
    result = {}
    for signal in changed:
        before, after = was[signal.pk] & told, now[signal.pk] & told
        result[signal.pk] = {
            **signal.change,
            "added": len(after - before),
            "removed": len(before - after),
            "registrations_was": sorted(before),
        }
    return result


def pair_signals_rest_on(*, suspect: int, victim: int) -> dict[str, set[int]]:
    """The rules of the pair's signals that hold now (suspect towards victim), each with the registrations
    it rests on: for a reader outside the signals' desk, who may be told of a signal only when they may see
    every one of them (the ZSM file's panel and triage, `prosecution.facts.Counts.signals`): one resting on
    a registration they may not see would tell of it (that the police know more, or Veilig Thuis has a
    file), so it is not named, not even counted. One query."""
    rests_on: dict[str, set[int]] = defaultdict(set)
    for rule, registration_id in SignalRegistration.objects.filter(
        signal__suspect_id=suspect, signal__victim_id=victim, signal__active=True
    ).values_list("signal__rule", "registration_id"):
        rests_on[rule].add(registration_id)
    return dict(rests_on)


@dataclass
class EvidenceRow:
    registration: Registration
    suspect_names: list[str]
    victim_names: list[str]
    first: bool


@dataclass
class SignalEvidence:
    rows: list[EvidenceRow]
    hidden_groups: list[HiddenGroup]  # registrations in the signal the user may not see, counted

    @property
    def hidden(self) -> int:
        return sum(group.count for group in self.hidden_groups)


def signal_reasons_for_user(*, user: User, signal: Signal, purposed: bool = False) -> list[dict[str, Any]]:
    """The signal's stored reasons as `user` may see them (the page, the case panel and the API show these,
    never the stored ones). A reason counting breaches of protective measures keeps, of the breaches behind
    it, those in registrations the user may see (`purposed`: under a stated purpose), each with the
    registration's reference, and names the measure (reference and what it banned) only when the user may
    see the measure (`measure_breaches.measures_visible`); the others are counted in `breaches_not_shown`,
    never named (no reference, no date), as far as the sharing rules count them for the user. Two queries
    when a reason has breaches, none otherwise."""
    return signals_reasons_for_user(user=user, signals=[signal], purposed=purposed)[0]


def signals_reasons_for_user(
    *, user: User, signals: Sequence[Signal], purposed: bool = False
) -> list[list[dict[str, Any]]]:
    """`signal_reasons_for_user` of each of `signals`, in their order, with the registrations and measures
    behind all their breaches read at once: as many queries for a pair's signals as for one."""
    stored = [[dict(reason) for reason in signal.reasons or []] for signal in signals]
    notes = [note for reasons in stored for reason in reasons for note in reason.get("breaches") or []]
    if not notes:
        return [
            [{k: v for k, v in reason.items() if k != "breaches"} for reason in reasons] for reasons in stored
        ]
    sight = registration_sight_for_user(
        user=user, ids={int(note["registration"]) for note in notes}, purposed=purposed
    )
    references = dict(Registration.objects.filter(pk__in=sight.visible).values_list("pk", "reference"))
    measures = measures_visible(
        user, {note.get("measure", "") for note in notes if int(note["registration"]) in references}
    )
    found: list[list[dict[str, Any]]] = []
    for reasons in stored:
        if not any(reason.get("breaches") for reason in reasons):  # as one signal alone would be shown
            found.append([{k: v for k, v in reason.items() if k != "breaches"} for reason in reasons])
            continue
        shown: list[dict[str, Any]] = []
        for reason in reasons:
            breaches = reason.pop("breaches", None)
            if breaches is None:
                shown.append(reason)
                continue
            seen = [note for note in breaches if int(note["registration"]) in references]
            reason["breaches"] = [
                {
                    "registration": references[int(note["registration"])],
                    "on": note["on"],
                    "measure": note.get("measure", "") if note.get("measure", "") in measures else "",
                    "what": note.get("what", "") if note.get("measure", "") in measures else "",
                }
                for note in seen
            ]
            # Counted only as far as the sharing rules count them for the user (never another organisation's).
            reason["breaches_not_shown"] = sum(
                1 for note in breaches if int(note["registration"]) in sight.hidden
            )
            shown.append(reason)
        found.append(shown)
    return found


def signal_evidence_for_user(*, user: User, signal: Signal) -> SignalEvidence:
    """The registrations of a signal, in order: those the user may see in full, the others counted per
    organisation kind and police unit."""
    evidence = list(
        signal.evidence.select_related("registration").order_by("registration__registered_at", "id")
    )
    sight = registration_sight_for_user(user=user, ids=[e.registration_id for e in evidence])
    names: dict[tuple[int, str], str] = {
        (m.registration_id, m.ref): m.display_name
        for m in PersonMention.objects.filter(registration_id__in=sight.visible)
    }
    rows = [
        EvidenceRow(
            registration=item.registration,
            suspect_names=[names.get((item.registration_id, r), r) for r in item.suspect_refs],
            victim_names=[names.get((item.registration_id, r), r) for r in item.victim_refs],
            first=item.registration_id == signal.first_fired_registration_id,
        )
        for item in evidence
        if item.registration_id in sight.visible
    ]
    return SignalEvidence(rows=rows, hidden_groups=sight.hidden_groups())


def signal_names_for_user(
    *, user: User, signals: list[Signal], purposed: bool = False, everything: bool = False
) -> dict[int, tuple[list[str], list[str]]]:
    """Per signal, the persons of its suspect side and of its victim side, each side as the latest
    registration of its evidence that the user may see and that names that side names them (an arrest for
    breaching a contact ban names the bound person alone: the victim side comes from an earlier
    registration), each by its list name (`registrations.names`) among the registrations the user may see;
    a mention not linked to a person as that registration writes it (four queries for a whole page).
    `purposed` and `everything` as for `signal_sight_for_user`."""
    visible = _visible_registrations(user, purposed=purposed, everything=everything)
    if visible is None or not signals:
        return {}
    rows = (
        SignalRegistration.objects.filter(signal__in=signals, registration__in=visible)
        .order_by("signal_id", "-registration__registered_at", "-registration_id")
        .values_list("signal_id", "registration_id", "suspect_refs", "victim_refs")
    )
    sides: dict[int, list[tuple[int, list[str]] | None]] = {}
    for signal_id, registration_id, suspects, victims in rows:
        found = sides.setdefault(signal_id, [None, None])
        for side, refs in enumerate((suspects, victims)):
            if refs and found[side] is None:
                found[side] = (registration_id, refs)
    mentions = _mentions_named(
        list({side[0] for found in sides.values() for side in found if side is not None})
    )
    names = person_list_names(
        person_ids={p for p, _w in mentions.values() if p is not None}, registrations=visible
    )

    def named(side: tuple[int, list[str]] | None) -> list[str]:
        if side is None:
            return []
        registration_id, refs = side
        shown = []
        for ref in refs:
            person, written = mentions.get((registration_id, ref), (None, ref))
            shown.append(names.get(person, written) if person is not None else written)
        return shown

    return {signal_id: (named(suspect), named(victim)) for signal_id, (suspect, victim) in sides.items()}


def _mentions_named(registration_ids: Iterable[int]) -> dict[tuple[int, str], tuple[int | None, str]]:
    """The mentions of these registrations by (registration, ref): the person each is linked to now (None:
    not linked) and its full spelling (`registrations.names.full_name`)."""
    return {
        (registration_id, ref): (person, full_name(given, prefix, surname))
        for registration_id, ref, person, given, prefix, surname in PersonMention.objects.filter(
            registration_id__in=list(registration_ids)
        ).values_list("registration_id", "ref", "link__person_id", "given_names", "surname_prefix", "surname")
    }


def _visible_registrations(user: User, *, purposed: bool, everything: bool) -> QuerySet[Registration] | None:
    if everything:
        return Registration.objects.all()
    condition = visibility_filter(user, purposed=purposed)
    return None if condition is None else Registration.objects.filter(condition)


def signals_for_person_for_user(
    *, user: User, person_id: int, purposed: bool = False, everything: bool = False
) -> list[Signal]:
    """The signals whose evidence names the person, as suspect or victim, in a registration the user may
    see; the dossier shows them. `purposed` and `everything` as for `signal_sight_for_user`."""
    sides = _sides_of_person(user=user, person_id=person_id, purposed=purposed, everything=everything)
    return _signals_ordered(sides)


def _signals_ordered(sides: dict[int, list[_Side]]) -> list[Signal]:
    return list(
        Signal.objects.filter(pk__in=list(sides))
        .select_related("first_fired_registration")
        .order_by("-active", "-severity", "-last_registered_at", "-id")
    )


@dataclass(frozen=True)
class _Side:
    """A registration of a signal's evidence that names the person: on which side, and who stands across."""

    registration_id: int
    registered_at: dt.datetime
    side: str  # "suspect" or "victim"
    across: tuple[str, ...]  # the refs of the other side in that registration


def _sides_of_person(
    *, user: User, person_id: int, purposed: bool, everything: bool
) -> dict[int, list[_Side]]:
    """Per signal, the registrations of its evidence the user may see that name the person: found through
    the person's mentions and their links, not the signal's suspect and victim, so that a rule about one
    person (repeated domestic violence against a victim, a serial perpetrator) is on the dossier of the
    other side too, and merges and splits are followed as the links follow them."""
    visible = _visible_registrations(user, purposed=purposed, everything=everything)
    if visible is None:
        return {}
    mine: dict[int, set[str]] = defaultdict(set)
    for registration_id, ref in PersonMention.objects.filter(
        link__person_id=person_id, registration__in=visible
    ).values_list("registration_id", "ref"):
        mine[registration_id].add(ref)
    if not mine:
        return {}
    sides: dict[int, list[_Side]] = defaultdict(list)
    for signal_id, registration_id, registered_at, suspects, victims in SignalRegistration.objects.filter(
        registration_id__in=list(mine)
    ).values_list(
        "signal_id", "registration_id", "registration__registered_at", "suspect_refs", "victim_refs"
    ):
        refs = mine[registration_id]
        if refs & set(suspects):
            sides[signal_id].append(_Side(registration_id, registered_at, "suspect", tuple(victims)))
        if refs & set(victims):
            sides[signal_id].append(_Side(registration_id, registered_at, "victim", tuple(suspects)))
    return dict(sides)


@dataclass
class OtherPerson:
    person_id: int
    name: str  # the list name among the registrations the user may see (registrations.names)


@dataclass
class PersonSignal:
    signal: Signal
    label: str
    side: str  # "suspect", "victim" or "both" (a mutual conflict)
    others: list[OtherPerson]  # who stands across from this person in the signal's registrations
    may_open: bool  # the signal is in the user's unit list
    sight: SignalSight


def person_signal_rows_for_user(
    *, user: User, person_id: int, purposed: bool = False, everything: bool = False
) -> list[PersonSignal]:
    """The dossier's signals section: each signal that names this person, with the person's side and the
    persons across (the other of a pair; for a rule about one person, the other side of its registrations),
    seen as the dossier sees the registrations (`purposed`: under its purpose; `everything`: during the
    user's break-the-glass grant for the person, checked by the caller)."""
    org_id = getattr(user, "organisation_id", None)
    seen = {"purposed": purposed, "everything": everything}
    sides = _sides_of_person(user=user, person_id=person_id, **seen)
    signals = _signals_ordered(sides)
    sights = signal_sight_for_user(user=user, signals=signals, **seen)
    # Named among what the dossier sees: under a break-the-glass grant the person's registrations too.
    named_in = registration_list_for_user(
        user=user, purposed=purposed, break_glass_person=person_id if everything else None
    )
    across = _persons_across(sides, exclude=person_id, visible=named_in)
    rows = []
    for signal in signals:
        taken = {side.side for side in sides[signal.pk]}
        side = "both" if signal.rule == "mutual_conflict" or len(taken) > 1 else taken.pop()
        rows.append(
            PersonSignal(
                signal=signal,
                label=rule_label(signal.rule),
                side=side,
                others=across.get(signal.pk, []),
                may_open=may_see_signals(user) and signal.unit_id == org_id,
                sight=sights[signal.pk],
            )
        )
    return rows


def _persons_across(
    sides: dict[int, list[_Side]], *, exclude: int, visible: QuerySet[Registration]
) -> dict[int, list[OtherPerson]]:
    """Per signal, the persons of the refs across from the person (one statement), each by its list name
    among the registrations the dossier sees (`visible`), the most recently named first."""
    wanted = {side.registration_id for rows in sides.values() for side in rows}
    mentions = _mentions_named(wanted)
    found: dict[int, list[int]] = {}
    for signal_id, rows in sides.items():
        latest: list[int] = []
        for side in sorted(rows, key=lambda r: (r.registered_at, r.registration_id), reverse=True):
            for ref in side.across:
                person, _written = mentions.get((side.registration_id, ref), (None, ""))
                if person is not None and person != exclude and person not in latest:
                    latest.append(person)
        found[signal_id] = latest
    names = person_list_names(
        person_ids={p for persons in found.values() for p in persons}, registrations=visible
    )
    return {
        signal_id: [OtherPerson(person, names.get(person, "")) for person in persons]
        for signal_id, persons in found.items()
    }


def _local(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def signal_export_lines() -> Iterator[dict[str, Any]]:
    """Every signal as the export's JSON object (for the operator's `export_signals`)."""
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for signal_id, source, reference, suspects, victims in (
        SignalRegistration.objects.order_by("signal_id", "registration__registered_at", "registration_id")
        .values_list("signal_id", "registration__source", "registration__reference", "suspect_refs",
                     "victim_refs")
        .iterator(chunk_size=10_000)
    ):  # fmt: skip
        evidence[signal_id].append(
            {"source": source, "reference": reference, "suspect_refs": suspects, "victim_refs": victims}
        )
    signals = Signal.objects.select_related("first_fired_registration").order_by("id")
    for signal in signals.iterator(chunk_size=2_000):
        first = signal.first_fired_registration
        yield {
            "rule": signal.rule,
            "severity": Severity(signal.severity).name.lower(),
            "active": signal.active,
            "first_fired_at": _local(signal.first_fired_at),
            "first_fired_registration": {"source": first.source, "reference": first.reference},
            "suspect": signal.suspect_id,
            "victim": signal.victim_id,
            "rules_version": signal.rules_version,
            "registrations": evidence.get(signal.pk, []),
        }


def signal_history(signal: Signal) -> list[SignalEvent]:
    """The steps of a signal's process, oldest first (the caller has the signal through the one road)."""
    return list(signal.events.select_related("actor"))


# --- the access log's names for signals (registered in apps.py) --------------------------------------------

_LOGGED_PERSON = re.compile(r"\bP(\d{1,9})\b", re.IGNORECASE)
_ARROWS = ("→", "->")


def signal_log_name(rule: str, suspect_id: int | None, victim_id: int | None) -> str:
    """A signal as the access log names it: its kind and its persons' numbers, "Mogelijke belaging
    P0000232 → P0000527" (a signal about one person: that person's number alone)."""
    numbers = [person_number(p) for p in (suspect_id, victim_id) if p is not None]
    return " ".join([rule_label(rule), " → ".join(numbers)]).strip()


def signal_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each signal of these ids (as the access log stores them). Not scoped to a user: the access
    log's pages, for its readers only, name what was looked at."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = Signal.objects.filter(pk__in=numbers).values_list("pk", "rule", "suspect_id", "victim_id")
    return {str(pk): signal_log_name(rule, suspect, victim) for pk, rule, suspect, victim in found}


def signal_ids_of_log_name(text: str) -> list[str]:
    """The signals a name as the log shows it names: its persons' numbers (the suspect's first) and, when
    typed, its kind (in either language, or the rule's code; needed for a signal about one person); [] for
    text that is no signal's name."""
    persons = [int(n) for n in _LOGGED_PERSON.findall(text)]
    if not persons or len(persons) > 2:
        return []
    words = _LOGGED_PERSON.sub(" ", text)
    for arrow in _ARROWS:
        words = words.replace(arrow, " ")
    kind = " ".join(words.split()).casefold()
    if len(persons) == 1 and not kind:
        return []  # a person's number alone names the person (the log's person filter), not their signals
    signals = Signal.objects.all()
    if len(persons) == 2:
        signals = signals.filter(suspect_id=persons[0], victim_id=persons[1])
    else:
        alone = Q(suspect_id=persons[0], victim__isnull=True) | Q(victim_id=persons[0], suspect__isnull=True)
        signals = signals.filter(alone)
    if kind:
        rules = [
            rule.name
            for rule in detector().rules.rules
            if kind in {rule.name.casefold(), rule.label.nl.casefold(), rule.label.en.casefold()}
        ]
        signals = signals.filter(rule__in=rules)
    return [str(pk) for pk in signals.values_list("pk", flat=True)]
