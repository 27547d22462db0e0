"""Who may search for persons and open dossiers, and persons through merges. The reads themselves are in
`search.py` (search) and `dossier.py` (the dossier), always scoped to what the user may see under the
sharing rules: missing and forbidden look the same.
"""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.utils import timezone

from ketenzicht.audit.selectors import AUDIT_READER_ROLES
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import persons_merged_to
from ketenzicht.registrations.sharing import may_see_registrations
from ketenzicht.ui.formats import person_number

from .models import BreakGlassAccess, BreakGlassDecision

PERSON_OBJECT = "person"


def may_search_persons(user: User) -> bool:
    """Searching needs a police role that sees registrations under the sharing rules, with a stated purpose
    (the national analyst, the privacy officer and the functional administrator see none). Veilig Thuis sees
    what is notified to it and asks the police whether persons are known: it does not search the register."""
    organisation = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.POLITIE
        and may_see_registrations(user, purposed=True)
    )


def may_search_persons_for_supervision(user: User) -> bool:
    """The privacy officer finds persons by name on the access log page, to audit who looked at them
    (purpose "supervision of look-ups", logged): every registration's names count, no registration is
    shown (docs/reference/sharing-rules.md, "Supervision")."""
    return bool(user.is_authenticated and user.has_role(Role.PRIVACY_OFFICER))


def may_open_dossier(user: User) -> bool:
    """Searchers open dossiers; audit readers open them for the access list alone."""
    return may_search_persons(user) or bool(user.is_authenticated and user.has_role(*AUDIT_READER_ROLES))


def may_break_glass(user: User) -> bool:
    """Break-the-glass (a person's whole dossier outside the sharing rules, reported to the privacy
    officer): searchers holding one of KETENZICHT_BREAK_GLASS_ROLES."""
    return may_search_persons(user) and user.has_role(*settings.KETENZICHT_BREAK_GLASS_ROLES)


def may_review_break_glass(user: User) -> bool:
    """The privacy officer judges every break-the-glass access."""
    return bool(user.is_authenticated and user.has_role(Role.PRIVACY_OFFICER))


def break_glass_pending_count(user: User) -> int:
    """How many break-the-glass accesses wait for the privacy officer's judgement (0 for anyone else): the
    start page and the menu show it."""
    if not may_review_break_glass(user):
        return 0
    return BreakGlassAccess.objects.filter(decision=BreakGlassDecision.PENDING).count()


def break_glass_active(*, user: User, person_id: int) -> BreakGlassAccess | None:
    """The user's break-the-glass access to this person that still holds, if any."""
    if not may_break_glass(user):
        return None
    return (
        BreakGlassAccess.objects.filter(user=user, person_id=person_id, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def person_resolve(person_id: int) -> Person:
    """The person under this id, following merges (`persons_merged_to`). Raises Person.DoesNotExist."""
    person = Person.objects.get(pk=person_id)
    if person.merged_into_id is None:
        return person
    return Person.objects.get(pk=persons_merged_to({person.merged_into_id})[person.merged_into_id])


def break_glass_log_names(ids: Collection[str]) -> dict[str, str]:
    """The access log's name of each break-the-glass grant of these ids (registered in apps.py): its number
    with the person's number, "12 (P0000498)", or with the search typed, "13 (“jansen”)". For the access
    log's readers only."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = BreakGlassAccess.objects.filter(pk__in=numbers).values_list("pk", "person_id", "query")
    return {
        str(pk): f"{pk} ({person_number(person)})" if person else f"{pk} (“{query}”)"
        for pk, person, query in found
    }
