"""Reads of persons for the desks: the name a list or a page header gives a person (the rule in
`registrations.names`), from the mentions in the registrations the reader may see and no others."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.registrations.names import Spelling, list_names
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.ui.page_reads import once

from .models import Person

MAX_MERGE_HOPS = 20


def persons_merged_to(person_ids: set[int]) -> dict[int, int]:
    """Each of `person_ids` to the person it is part of now (itself when not merged): a case or a measure
    keeps the id it was opened on, the person's mentions follow the merge. One query per merge hop."""
    now = {pk: pk for pk in person_ids}
    frontier = set(person_ids)
    for _hop in range(MAX_MERGE_HOPS):
        moved = dict(
            Person.objects.filter(pk__in=frontier, merged_into__isnull=False).values_list(
                "pk", "merged_into_id"
            )
        )
        if not moved:
            break
        for pk, at in now.items():
            if at in moved:
                now[pk] = moved[at]
        frontier = set(moved.values())
    return now


def persons_merged_from(person_ids: set[int]) -> set[int]:
    """`person_ids` and every person merged into one of them, over every hop: the ids a case or a measure
    opened on one of them before a merge may still hold (`persons_merged_to` reads them forward). One query
    per merge hop."""
    found = set(person_ids)
    frontier = set(person_ids)
    for _hop in range(MAX_MERGE_HOPS):
        if not frontier:
            break
        frontier = set(Person.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def person_list_names(
    *, person_ids: Iterable[int | None], registrations: QuerySet[Registration]
) -> dict[int, str]:
    """The list name of each person (by the id asked for, merges followed) among its mentions in
    `registrations`, which the caller has from an access selector (the registrations the reader may see).
    A person none of them names is left out: the caller shows its number. Two queries (and one per merge
    hop)."""
    wanted = {pk for pk in person_ids if pk is not None}
    if not wanted:
        return {}
    now = persons_merged_to(wanted)
    rows = PersonMention.objects.filter(
        link__person_id__in=set(now.values()), registration__in=registrations.values("pk")
    ).values_list(
        "link__person_id",
        "given_names",
        "surname_prefix",
        "surname",
        "registration__registered_at",
        "registration_id",
    )
    names = list_names(
        (person, Spelling(given, prefix, surname, at, registration))
        for person, given, prefix, surname, at, registration in rows
    )
    return {pk: names[at] for pk, at in now.items() if at in names}


def person_list_names_for_user(
    *,
    user: User,
    person_ids: Iterable[int | None],
    purposed: bool = False,
    break_glass_person: int | None = None,
) -> dict[int, str]:
    """`person_list_names` among the registrations `user` may see (`purposed`, `break_glass_person` as for
    `registrations.selectors.registration_list_for_user`). On a page that reads names from several places
    (a case page's heading and its persons), each person's name is read once for the page: remembered on
    the request's user, by how it was read (`ui.page_reads`)."""
    wanted = {pk for pk in person_ids if pk is not None}
    known: dict[int, str | None] = once(user, ("person_list_names", purposed, break_glass_person), dict)
    missing = wanted - known.keys()
    if missing:
        visible = registration_list_for_user(
            user=user, purposed=purposed, break_glass_person=break_glass_person
        )
        names = person_list_names(person_ids=missing, registrations=visible)
        known.update({pk: names.get(pk) for pk in missing})  # None: no registration names them
    return {pk: name for pk in wanted if (name := known[pk]) is not None}


def person_label(person_id: int | None, names: dict[int, str]) -> str:
    """A person as a list shows it: its list name, else its number (no registration the reader may see
    names it), "?" when there is no person."""
    if person_id is None:
        return "?"
    return names.get(person_id) or str(Person(pk=person_id))
