"""The registry's panels (registered in apps.py): on a police case, the measures in force for its persons
with the actions its unit's police roles may take; on a person's dossier, the measures binding or protecting
the person, in force and past. Names of persons are shown only for measures the user may see; what was shown
is logged."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from ketenzicht.audit.access import listed
from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.persons.models import Person
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
from ketenzicht.workprocesses.selectors import case_person_ids

from .selectors import case_parties, may_impose_for, measure_list_for_user, measure_rows, measures_of_persons


def _log(
    request: HttpRequest,
    rows: list,  # type: ignore[type-arg]
    where: dict[str, object],
    purpose: str = "",
) -> None:
    persons = sorted({p for row in rows for p in row.person_ids})
    if rows:
        listed(
            actor=request.user,  # type: ignore[arg-type]
            object_type="measure",
            origin=request_origin(request, "web"),
            purpose=purpose,
            detail={**where, "shown": len(rows)},
            persons=persons,
        )


def case_measures_panel(request: HttpRequest, case: Case) -> SafeString | None:
    if case.organisation.kind != OrganisationKind.POLITIE:
        return None
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    own = set(case_person_ids(case))
    measures = list(measures_of_persons(own, current_only=True, today=today))
    may_impose = may_impose_for(user, case)
    if not measures and not may_impose:
        return None
    visible = set(
        measure_list_for_user(user=user).filter(pk__in=[m.pk for m in measures]).values_list("pk", flat=True)
    )
    # A measure the user may not see names the case's own suspect it binds as the case's lists do.
    rows = measure_rows(measures, user=user, today=today, names_for=visible, own_persons=own)
    # Read on the case's page: under the case, as the page itself.
    _log(
        request, rows, {**case_purpose_detail(case), "case": case.reference}, case_purpose_log(case.reference)
    )
    suspects, victims = case_parties(case) if may_impose else ([], [])
    # A measure binds a suspect and protects a victim of the case: none to choose, no form to offer.
    context = {
        "rows": rows,
        "case": case,
        "may_impose": may_impose,
        "has_parties": bool(suspects and victims),
        # A measure's page is linked only where its names may be shown: point there only when one is.
        "any_page": any(row.names_shown for row in rows),
    }
    return SafeString(render_to_string("measures/_panel.html", context, request=request))


def dossier_measures_panel(request: HttpRequest, person: Person) -> SafeString | None:
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    measures = list(measures_of_persons([person.pk]))
    visible = set(
        measure_list_for_user(user=user).filter(pk__in=[m.pk for m in measures]).values_list("pk", flat=True)
    )
    rows = measure_rows(measures, user=user, today=today, names_for=visible)
    _log(request, rows, {"person": person.pk})
    context = {"rows": rows, "person_id": person.pk}
    return SafeString(render_to_string("measures/_dossier.html", context, request=request))
