"""A case as the purpose of a look-up (the daily police task, Wpg art. 8): what the user reads from a case
they may open (its registrations, a registration opened from it, the dossiers of its persons) is read under
the case, and the access log says which case. Other police units' registrations are shown only under a
purpose like this (the sharing rules' `needs_purpose`).

The access log holds it as "case <reference>" (`case_purpose_log`); `dossiers.purpose` uses the same words
for a dossier opened from a case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from ketenzicht.organisations.models import User
from ketenzicht.registrations.purposes import LinkedPurpose

from .models import Case
from .selectors import case_list_for_user

CASE_REASON = "case"
CASE_PARAM = "zaak"  # the query parameter of a link from a case page

# Registrations a desk lists on a case's page beside the case's own (the screening desk: the pair's history in
# every unit, read under the case): a desk registers, by name, a function of the user and the case giving
# their ids, and a registration opened from such a list is read under the case as well.
CaseReads = Callable[[User, Case], Iterable[int]]
_CASE_READS: dict[str, CaseReads] = {}


def case_reads_register(name: str, reads: CaseReads) -> None:
    _CASE_READS[name] = reads


def _read_under_case(user: User, case: Case, registration_id: int) -> bool:
    if case.registrations.filter(pk=registration_id).exists():
        return True
    return any(registration_id in set(reads(user, case)) for reads in _CASE_READS.values())


def case_purpose_log(reference: str, text: str = "") -> str:
    """The case as the access log's purpose column holds it."""
    return f"{CASE_REASON} {reference}" + (f": {text}" if text else "")


def case_purpose_detail(case: Case) -> dict[str, Any]:
    """The case as a log entry's detail holds it: {"purpose": {...}, "case": id}."""
    return {"purpose": {"reason": CASE_REASON, "case_id": case.pk}, "case": case.pk}


def case_for_purpose(*, user: User, case_id: int) -> Case | None:
    """The case, when `user` may open it (no log entry: the look-up it serves is logged with it)."""
    return case_list_for_user(user=user).filter(pk=case_id).first()


def registration_purpose_of_case(
    request: HttpRequest, registration_id: int, value: str
) -> LinkedPurpose | None:
    """`?zaak=<id>` on a registration page: the case, when the user may open it and it holds the
    registration or a desk lists it on the case's page (`case_reads_register`); else None."""
    user: Any = request.user
    if not value.isdigit() or not user.is_authenticated:
        return None
    case = case_for_purpose(user=user, case_id=int(value))
    if case is None or not _read_under_case(user, case, registration_id):
        return None
    return LinkedPurpose(log=case_purpose_log(case.reference), detail=case_purpose_detail(case))
