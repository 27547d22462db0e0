"""A case opened by hand gets its registrations on its page, by reference: only those the user may see (a
reference of one they may not see is answered as one that does not exist), looked up with the case as the
purpose; the registrations' suspect and victim become the case's persons, for the case page and the measure
form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import BART, ILSE, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _opened_by_hand(client: Client) -> Case:
    answer = client.post(
        reverse("workprocesses:case-new"),
        {"process": "ex_partner_stalking", "title": "Melding van de wijkagent"},
    )
    assert answer.status_code == 302
    return Case.objects.get(pk=int(answer["Location"].rstrip("/").rsplit("/", 1)[-1]))


def _add(client: Client, case: Case, reference: str) -> Any:
    case.refresh_from_db()
    return client.post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "registration",
            "registration-lock_version": case.lock_version,
            "registration-reference": reference,
        },
    )


def _no_case_for(reference: str, **where: Any) -> Any:
    """A registration of Bart and Ilse that opens no case by itself (no relation, no offence a rule names)."""
    return take_in(
        reference,
        BART,
        ILSE,
        registered_at="2026-08-09T10:00:00+02:00",
        relation=None,
        offences=["350"],
        **where,
    )


def test_a_team_lead_adds_a_registration_to_a_case_opened_by_hand_and_its_people_become_the_case_s(
    make_user: Callable[..., Any],
) -> None:
    registration = _no_case_for("PL0600-H-1")
    lead = make_user("team_lead")
    client = _client(lead)
    case = _opened_by_hand(client)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="registration-add-form"' in page and 'name="registration-reference"' in page
    assert 'data-testid="case-persons"' not in page

    answer = _add(client, case, f" {registration.reference} ")
    assert answer.status_code == 302
    case.refresh_from_db()
    assert list(case.registrations.all()) == [registration]
    suspect, victim = person_of(registration, "p1"), person_of(registration, "p2")
    assert set(case.persons.all()) == {suspect, victim}
    line = case.events.get(kind=EventKind.REGISTRATION)
    assert line.actor == lead and line.detail["registrations"] == [registration.pk]
    assert line.detail["reassess"] is False  # a new case: nobody assessed it yet
    # The look-up is logged under the case as its purpose, as the case page's own list is.
    looked_up = AccessLogEntry.objects.filter(
        actor=lead, object_type="registration", purpose=f"case {case.reference}", detail__to_add=True
    )
    assert looked_up.count() == 1

    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    persons = page.split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]
    assert "Bart Mertens" in persons and "Ilse Coenen" in persons
    assert persons.index("Bart Mertens") < persons.index("Ilse Coenen")  # the suspect first
    assert registration.reference in page.split('data-testid="case-registrations"', 1)[1]

    # The restraining order form offers the suspect and the victim now.
    form = client.get(reverse("measures:new", args=[case.pk])).content.decode()
    assert f'value="{suspect.pk}"' in form and f'value="{victim.pk}"' in form


def test_a_reference_the_user_may_not_see_is_answered_as_one_that_does_not_exist_and_logged_once(
    make_user: Callable[..., Any],
) -> None:
    # Veilig Thuis's own registration (no police unit): the police do not see it, with a purpose or not.
    elsewhere = _no_case_for("H-9", source="veilig_thuis")
    lead = make_user("team_lead")
    client = _client(lead)
    case = _opened_by_hand(client)

    def answer_to(reference: str) -> str:
        answer = _add(client, case, reference)
        assert answer.status_code == 400
        page = answer.content.decode()
        error = re.search(r'data-testid="error-registration-reference">(.*?)</div>', page, re.S)
        assert error is not None
        return error.group(1).replace(reference, "REF")

    assert answer_to(elsewhere.reference) == answer_to("PL0600-2026-999999")
    for reference in (elsewhere.reference, "PL0600-2026-999999"):
        refused = AccessLogEntry.objects.filter(
            actor=lead, object_type="registration", object_id=reference, result="refused"
        )
        assert refused.count() == 1
        assert refused.get().purpose == f"case {case.reference}"
    case.refresh_from_db()
    assert not case.registrations.exists() and not case.persons.exists()
    assert not case.events.filter(kind=EventKind.REGISTRATION).exists()


def test_a_registration_on_a_case_assessed_already_marks_it_for_a_new_assessment(
    make_user: Callable[..., Any],
) -> None:
    first, second = _no_case_for("PL0600-H-2"), _no_case_for("PL0600-H-3")
    lead = make_user("team_lead")
    client = _client(lead)
    case = _opened_by_hand(client)
    assert _add(client, case, first.reference).status_code == 302
    case.refresh_from_db()
    case = case_take(case, "start_screening", actor=lead, expected_version=case.lock_version)
    case = case_take(
        case, "screened", actor=lead, expected_version=case.lock_version, values={"urgency": "acute"}
    )
    assert _add(client, case, second.reference).status_code == 302
    case.refresh_from_db()
    assert case.data["reassess"] is True
    # The same registration again: nothing is added, and the form says so.
    assert _add(client, case, second.reference).status_code == 400
    assert case.events.filter(kind=EventKind.REGISTRATION).count() == 2


def test_a_closed_case_offers_no_registration_to_add(make_user: Callable[..., Any]) -> None:
    lead = make_user("team_lead")
    client = _client(lead)
    case = _opened_by_hand(client)
    Case.objects.filter(pk=case.pk).update(closed_at=case.opened_at, state="closed")
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="registration-add-form"' not in page


def test_the_case_page_says_which_date_of_a_registration_is_the_incident_s(
    make_user: Callable[..., Any],
) -> None:
    """Damage done late on 8 August, registered the next morning: the case page names both, each by what
    it is (the dossier dates the same registration by the incident)."""
    registration = take_in(
        "PL0600-H-4", BART, ILSE, registered_at="2026-08-09T09:00:00+02:00", relation=None, offences=["350"]
    )
    Registration.objects.filter(pk=registration.pk).update(
        occurred_at=datetime(2026, 8, 8, 21, 30, tzinfo=UTC)  # 23:30 in Amsterdam
    )
    client = _client(make_user("team_lead"))
    case = _opened_by_hand(client)
    assert _add(client, case, registration.reference).status_code == 302
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    listed = page.split('data-testid="case-registrations"', 1)[1].split("</ul>", 1)[0]
    with translation.override("nl"):
        occurred = translation.pgettext("date of a registration", "occurred")
        registered = translation.pgettext("date of a registration", "registered")
    assert f"{occurred} 08-08-2026, {registered} 09-08-2026" in listed
