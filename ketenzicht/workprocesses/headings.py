"""A case's heading: what the case page's lead line and the list of cases say a case is about.

A case's stored title is written once, when it opens, with the names as they were then (the spelling of
the registrations it opened on, some of which a later reader may not see). A heading naming persons is
therefore never read from it: a desk that opens cases about a suspect and a victim says which persons a
case of its own is about (`case_pairs_register`, in its AppConfig.ready, so the kernel imports no desk),
and the heading names them as every list does, by their list name among the registrations the reader may
see (`persons.selectors.person_list_names_for_user`, merges followed), now, at every reading. A person no
such registration names is said by its role ("verdachte", "slachtoffer"); a case whose persons are both
unnamed to the reader and that has no words of its own is called by its reference ("Zaak Z2026-000012").

A case no desk pairs (one opened by hand, with the title its user typed; a break-the-glass review, whose
title names a user, not a person of the register) shows its stored title, in the user's language where the
app that wrote it knows its words (`labels.case_title`). The stored title itself stays as written: it is
part of the case's record of how it was opened, not what a page names the persons by."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import User
from ketenzicht.persons.selectors import person_list_names_for_user

from .labels import case_title
from .models import Case
from .panels import case_noun

# The role words a heading says for a person the reader may see no mention of.
SUSPECT = _("suspect")
VICTIM = _("victim")


@dataclass(frozen=True)
class CasePair:
    """Who a case of a desk is about: the suspect and the victim it was opened on (person ids as stored; a
    merge since is followed), and the desk's own words before them in the user's language ("Ex-partner" for
    a screening case the case rules opened), "" for none."""

    suspect: int | None
    victim: int | None
    words: str = ""


# A desk's cases among those asked: case id -> its pair (cases of other desks left out). One call per page.
PairsOf = Callable[[Sequence[Case]], Mapping[int, CasePair]]

_PAIRS: dict[str, PairsOf] = {}


def case_pairs_register(name: str, pairs_of: PairsOf) -> None:
    """Add (or replace) the desk `name`'s pairs: its cases get a heading naming their persons for the
    reader."""
    _PAIRS[name] = pairs_of


def case_pairs(cases: Sequence[Case]) -> dict[int, CasePair]:
    found: dict[int, CasePair] = {}
    for pairs_of in _PAIRS.values():
        if cases:
            found.update(pairs_of(cases))
    return found


def case_headings(cases: Sequence[Case], *, user: User, purposed: bool = False) -> dict[int, str]:
    """Each case's heading for `user` (by case id): "Dennis van der Linden → Sandra Verbeek" (after the
    desk's words, the pair in brackets), the persons by their list names among the registrations `user` may
    see (`purposed`: read under a stated purpose, as the case page reads its registrations; a list reads
    without one). A fixed number of queries for a page: one per desk with cases on it, two for the names
    (and one per merge hop)."""
    pairs = case_pairs(cases)
    names = person_list_names_for_user(
        user=user,
        person_ids={pk for pair in pairs.values() for pk in (pair.suspect, pair.victim)},
        purposed=purposed,
    )
    headings: dict[int, str] = {}
    for case in cases:
        pair = pairs.get(case.pk)
        if pair is None:
            # No desk says whom it is about: the title as written (a user typed it, or it names no person).
            headings[case.pk] = case_title(case.title)
            continue
        suspect = names.get(pair.suspect) if pair.suspect is not None else None
        victim = names.get(pair.victim) if pair.victim is not None else None
        if not suspect and not victim and not pair.words:
            headings[case.pk] = f"{case_noun(case)} {case.reference}"
            continue
        named = f"{suspect or SUSPECT} → {victim or VICTIM}"
        headings[case.pk] = f"{pair.words} ({named})" if pair.words else named
    return headings


def case_heading(case: Case, *, user: User, purposed: bool = False) -> str:
    """`case_headings` of one case."""
    return case_headings([case], user=user, purposed=purposed)[case.pk]
