"""Reads of the register, always scoped to the user. Missing and forbidden look the same."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import Organisation, User

from .models import MentionRelation, PersonMention, Registration, Source
from .sharing import counted_sources, counted_sources_of, readers_visibility_filter, visibility_filter


def registration_list_for_user(
    *, user: User, purposed: bool = False, break_glass_person: int | None = None
) -> QuerySet[Registration]:
    """What `user` may see; `purposed`: for a look-up under a stated purpose, logged with it by the caller
    (the sharing rules that need a purpose apply too). `break_glass_person`: a person under a
    break-the-glass grant that holds (checked by the caller, `purposes.OutsideRules`): that person's
    registrations too, outside the sharing rules, and no other's."""
    condition: Q | None = visibility_filter(user, purposed=purposed)
    if break_glass_person is not None:
        mentioned = PersonMention.objects.filter(link__person_id=break_glass_person)
        of_person = Q(pk__in=mentioned.values("registration_id"))
        condition = of_person if condition is None else condition | of_person
    if condition is None:
        return Registration.objects.none()
    return (
        Registration.objects.filter(condition)
        .select_related("unit", "municipality")
        .prefetch_related("offences", Prefetch("mentions", queryset=PersonMention.objects.order_by("id")))
    )


def registration_get_for_user(
    *,
    user: User,
    pk: int,
    origin: str = "",
    purpose: str = "",
    purposed: bool = False,
    break_glass_person: int | None = None,
) -> Registration:
    """Raises NotVisible (logged as refused, with the purpose stated if any) both when it does not exist
    and when the user may not see it. `break_glass_person`: see `registration_list_for_user`."""
    try:
        return (
            registration_list_for_user(user=user, purposed=purposed, break_glass_person=break_glass_person)
            .prefetch_related(
                Prefetch(
                    "relations",
                    queryset=MentionRelation.objects.select_related("from_mention", "to_mention"),
                )
            )
            .get(pk=pk)
        )
    except Registration.DoesNotExist:
        raise refuse(
            actor=user, object_type="registration", object_id=pk, origin=origin, purpose=purpose
        ) from None


def registration_by_reference_for_user(
    *, user: User, reference: str, origin: str = "", purpose: str = "", purposed: bool = False
) -> list[Registration]:
    """The registrations with this reference (one per source that uses it) that `user` may see, e.g. typed
    in to add to a case. Raises NotVisible (logged once as refused, under the purpose if any) both when none
    exists and when the user may see none of them: the answer never tells which."""
    reference = reference.strip()
    found = list(
        registration_list_for_user(user=user, purposed=purposed)
        .filter(reference=reference)
        .order_by("source")
    )
    if not found:
        raise refuse(
            actor=user, object_type="registration", object_id=reference[:64], origin=origin, purpose=purpose
        )
    return found


def registration_references(ids: Collection[str]) -> dict[str, str]:
    """The reference of each registration of these ids, as the access log stores them (text; an id that is
    no number, e.g. a reference a refused look-up logged, is left out). Not scoped to a user: the access
    log's pages, for its readers only, name what was looked at (registered in apps.py)."""
    numbers = [int(i) for i in ids if i.isdigit()]
    return {
        str(pk): reference
        for pk, reference in Registration.objects.filter(pk__in=numbers).values_list("pk", "reference")
    }


def registration_ids_of_reference(text: str) -> list[str]:
    """The ids of the registrations with this reference (one per source that uses it), as the access log
    stores them; for its filter on the object."""
    return [
        str(pk) for pk in Registration.objects.filter(reference=text.strip()).values_list("pk", flat=True)
    ]


# ------------------------------------------------------------------------------ what a user may not see


@dataclass(frozen=True)
class HiddenGroup:
    """Registrations a user may not see, counted per organisation kind and police unit (hit / no-hit, as
    the Verwijsindex does): how many, never which (no reference, no date, no offence)."""

    source: str  # the organisation kind that registered them
    unit_code: str  # the police unit, "" for other kinds
    unit_name: str
    count: int

    @property
    def label(self) -> str:
        return self.unit_name or str(Source(self.source).label)

    def as_dict(self) -> dict[str, str | int | None]:
        return {"organisation_kind": self.source, "unit": self.unit_code or None, "count": self.count}


@dataclass
class Sight:
    """Which of some registrations a user may see; of the others only the organisation kind and unit, and
    only of those the sharing rules count for the user (`counted`): any other is in neither set, as if it
    did not exist."""

    visible: set[int] = field(default_factory=set)
    hidden: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # id -> (source, unit, name)
    # Of the hidden ones, those the user would see under a stated purpose (only when asked: `with_purpose`).
    with_purpose: set[int] = field(default_factory=set)

    def hidden_groups(self, ids: Iterable[int] | None = None) -> list[HiddenGroup]:
        """The hidden ones among `ids` (all with None), counted per organisation kind and police unit."""
        keys = self.hidden.values() if ids is None else (self.hidden[i] for i in ids if i in self.hidden)
        counts = Counter(keys)
        return [
            HiddenGroup(source, unit_code, unit_name, n)
            for (source, unit_code, unit_name), n in sorted(counts.items())
        ]


def _seen(condition: Q | None) -> Case | Value:
    return (
        Value(False)
        if condition is None
        else Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def registration_sight_for_user(
    *,
    user: User,
    ids: Iterable[int] | QuerySet[Any],
    purposed: bool = False,
    with_purpose: bool = False,
) -> Sight:
    """For these registrations (ids, or a query of `pk` values): which the user may see under the sharing
    rules (`purposed`: under a stated purpose), and of the others only their organisation kind and police
    unit. `with_purpose` (for a look-up without one): also which of the others the user would see under a
    stated purpose (`Sight.with_purpose`), e.g. to say that a dossier opened with one shows them. A
    registration the user may not see whose source the sharing rules do not count for them (`counted`: for
    the police, e.g. Veilig Thuis's own files) is left out altogether: not visible, not hidden, not
    counted. One query."""
    return _sight(
        ids,
        visibility_filter(user, purposed=purposed),
        visibility_filter(user, purposed=True) if with_purpose and not purposed else None,
        counted_sources(user),
    )


def registration_sight_for_readers(
    *, organisation: Organisation, roles: Collection[str], ids: Iterable[int] | QuerySet[Any]
) -> Sight:
    """As `registration_sight_for_user`, for every user of `organisation` holding one of `roles`, without a
    stated purpose: what a desk computes once for all its readers and keeps (the triage of a ZSM file, read
    by the prosecutors of its district office), so that it rests on nothing those readers may not see or
    count. One query."""
    return _sight(
        ids, readers_visibility_filter(organisation, roles), None, counted_sources_of(organisation.kind)
    )


def _sight(
    ids: Iterable[int] | QuerySet[Any],
    condition: Q | None,
    with_purpose: Q | None,
    counted: frozenset[str],
) -> Sight:
    wanted: Any = ids if isinstance(ids, QuerySet) else list(ids)
    found = Registration.objects.filter(pk__in=wanted).annotate(
        seen=_seen(condition),
        seen_with_purpose=_seen(with_purpose) if with_purpose is not None else Value(False),
    )
    sight = Sight()
    for pk, may_see, would_see, source, unit_code, unit_name in found.values_list(
        "pk", "seen", "seen_with_purpose", "source", "unit__code", "unit__name"
    ):
        if may_see:
            sight.visible.add(pk)
            continue
        if not would_see and source not in counted:
            continue  # another kind of organisation's: not even that it exists
        sight.hidden[pk] = (source, unit_code or "", unit_name or "")
        if would_see:
            sight.with_purpose.add(pk)
    return sight
