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
from django.utils import timezone, translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import case_add_registrations, case_take
from tests.clients import signed_in
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def _opened_by_hand(client: Client) -> Case:
    answer = client.post(
        reverse("workprocesses:case-new"),
        {"process": "ex_partner_stalking", "title": "Melding van de wijkagent"},
    )
    assert answer.status_code == 302
    return Case.objects.get(pk=int(answer["Location"].rstrip("/").rsplit("/", 1)[-1]))


def _opened_by_a_lead(make_user: Callable[..., Any]) -> tuple[Any, Client, Case]:
    """A team lead, logged in, and the case they opened by hand."""
    lead = make_user("team_lead")
    client = signed_in(lead)
    return lead, client, _opened_by_hand(client)


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
    lead, client, case = _opened_by_a_lead(make_user)
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
    lead, client, case = _opened_by_a_lead(make_user)

    def answer_to(reference: str) -> str:
        answer = _add(client, case, reference)
        assert answer.status_code == 422
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
    lead, client, case = _opened_by_a_lead(make_user)
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
    assert _add(client, case, second.reference).status_code == 422
    assert case.events.filter(kind=EventKind.REGISTRATION).count() == 2


def test_a_closed_case_offers_no_registration_to_add(make_user: Callable[..., Any]) -> None:
    _lead, client, case = _opened_by_a_lead(make_user)
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
    client = signed_in(make_user("team_lead"))
    case = _opened_by_hand(client)
    assert _add(client, case, registration.reference).status_code == 302
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    listed = page.split('data-testid="case-registrations"', 1)[1].split("</ul>", 1)[0]
    with translation.override("nl"):
        occurred = translation.pgettext("date of a registration", "occurred")
        registered = translation.pgettext("date of a registration", "registered")
    assert f"{occurred} 08-08-2026, {registered} 09-08-2026" in listed


def _victim_only(reference: str, victim: dict[str, Any]) -> Any:
    """A registration that names a victim and no suspect (e.g. a report of someone unknown at the door)."""
    data = exchange_registration(
        reference=in_numbering(reference, source="politie", unit="oost-brabant", municipality=None),
        kind="melding",
        persons=[{"ref": "p1", "role": "victim", **victim}],
        relations=[],
        offences=["350"],
        registered_at="2026-08-09T09:00:00+02:00",
        occurred_at="2026-08-09T09:00:00+02:00",
    )
    return intake_registration(actor=None, data=data, channel="import").registration


def _field_error(answer: Any) -> str:
    error = re.search(
        r'data-testid="error-registration-reference">(.*?)</div>', answer.content.decode(), re.S
    )
    assert error is not None
    return error.group(1)


def test_a_registration_about_other_people_is_refused_at_its_field_naming_the_case_s_persons(
    make_user: Callable[..., Any],
) -> None:
    """A case about Bart and Ilse does not take a report about Marco and Lotte: two families on one case."""
    first = _no_case_for("PL0600-H-5")
    other = take_in(
        "PL0600-H-6", MARCO, LOTTE, registered_at="2026-08-10T10:00:00+02:00", relation=None, offences=["350"]
    )
    _lead, client, case = _opened_by_a_lead(make_user)
    assert _add(client, case, first.reference).status_code == 302
    case.refresh_from_db()
    persons, version = set(case.persons.all()), case.lock_version

    answer = _add(client, case, other.reference)
    assert answer.status_code == 422
    with translation.override("nl"):
        said = translation.gettext(
            "%(reference)s names none of the persons of this case (%(names)s): add only registrations "
            "about these persons."
        )
    assert "(%(names)s)" in said  # translated: the test reads the words the user reads
    assert _field_error(answer).strip() == said % {
        "reference": other.reference,
        "names": "Bart Mertens, Ilse Coenen",
    }
    case.refresh_from_db()
    assert list(case.registrations.all()) == [first] and set(case.persons.all()) == persons
    assert case.lock_version == version and case.events.filter(kind=EventKind.REGISTRATION).count() == 1


def test_a_registration_naming_one_of_the_case_s_persons_is_added_and_the_history_names_it(
    make_user: Callable[..., Any],
) -> None:
    first = _no_case_for("PL0600-H-7")
    # Bart again, now towards Lotte: about one of the case's persons, so it belongs here.
    related = take_in(
        "PL0600-H-8", BART, LOTTE, registered_at="2026-08-11T10:00:00+02:00", relation=None, offences=["350"]
    )
    _lead, client, case = _opened_by_a_lead(make_user)
    assert _add(client, case, first.reference).status_code == 302
    assert _add(client, case, related.reference).status_code == 302
    case.refresh_from_db()
    assert set(case.registrations.all()) == {first, related}
    assert person_of(related, "p2") in case.persons.all()

    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    rows = [row for row in page.split('data-testid="history-row"')[1:] if first.reference in row]
    assert len(rows) == 1 and related.reference not in rows[0]
    assert any(related.reference in row for row in page.split('data-testid="history-row"')[1:])


def test_a_case_s_first_registration_naming_only_a_victim_keeps_its_victim_against_another_pair(
    make_user: Callable[..., Any],
) -> None:
    """A manual case whose first registration names only a victim does not become another pair's case."""
    victim = {"given_names": "Noor", "surname": "Sedney", "birth_date": "1990-02-02", "sex": "F"}
    alone = _victim_only("PL0600-H-9", victim)
    other = take_in("PL0600-H-10", MARCO, LOTTE, registered_at="2026-08-10T10:00:00+02:00")
    ScreeningCase.objects.all().delete()  # the pair's own case aside: the point is this case's pair
    _lead, client, case = _opened_by_a_lead(make_user)
    assert _add(client, case, alone.reference).status_code == 302
    answer = _add(client, case, other.reference)
    assert answer.status_code == 422
    assert "Noor Sedney" in _field_error(answer)
    assert not ScreeningCase.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert list(case.persons.all()) == [person_of(alone, "p1")]
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "Noor Sedney" in page.split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]


def test_the_history_says_nothing_of_a_registration_added_of_another_organisation(
    make_user: Callable[..., Any],
) -> None:
    """Veilig Thuis's own registration on a police case: the police may neither see it nor count it (the
    sharing rules' `counted`), so the line that added it names and counts nothing of it."""
    elsewhere = _no_case_for("H-11", source="veilig_thuis")  # the police do not see Veilig Thuis's own
    client = signed_in(make_user("team_lead"))
    case = _opened_by_hand(client)
    case_add_registrations(case, [elsewhere], actor=None)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert elsewhere.reference not in page
    with translation.override("nl"):
        hidden = translation.ngettext(
            "%(n)s registration you may not see", "%(n)s registrations you may not see", 1
        ) % {"n": 1}
    rows = page.split('data-testid="history-row"')[1:]
    assert not any(hidden in row for row in rows) and "die u niet mag zien" not in page
    assert 'data-testid="case-hidden"' not in page


def test_the_form_s_example_reference_is_in_the_numbering_of_the_case_s_organisation(
    make_user: Callable[..., Any],
) -> None:
    """A Veilig Thuis notification's form shows a Veilig Thuis reference, a police case's a police one."""
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.workprocesses.services import case_open

    def hint(user: Any, case: Case) -> str:
        page = signed_in(user).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
        form = page.split('data-testid="registration-add-form"', 1)[1].split("</form>", 1)[0]
        return form

    year = timezone.localdate().year
    region = Organisation.objects.get(code="vt-brabant-noordoost")
    notification = case_open(process="vt_safety_assessment", organisation=region, title="Melding", actor=None)
    form = hint(make_user("vt_assessor", organisation="vt-brabant-noordoost"), notification)
    assert f"{region.reference_prefix}-{year}-000012" in form and "PL0" not in form
    lead = make_user("team_lead")
    police = _opened_by_hand(signed_in(lead))
    assert f"{police.organisation.reference_prefix}-{year}-000012" in hint(lead, police)


def test_a_registration_naming_a_case_s_person_merged_since_is_about_that_person(
    make_user: Callable[..., Any],
) -> None:
    """Ilse was registered once more under another name and linking has merged the two since: a report
    naming her under that name is about the case's person."""
    from ketenzicht.linking.services import person_merge

    first = _no_case_for("PL0600-H-12")
    again = {"given_names": "Ilona", "surname": "Smit", "birth_date": "1983-09-09", "sex": "F"}
    later = take_in(
        "PL0600-H-13",
        MARCO,
        again,
        registered_at="2026-08-12T10:00:00+02:00",
        relation=None,
        offences=["350"],
    )
    _lead, client, case = _opened_by_a_lead(make_user)
    assert _add(client, case, first.reference).status_code == 302
    ilse, ilona = person_of(first, "p2"), person_of(later, "p2")
    assert ilse != ilona
    person_merge(source=ilse, target=ilona, actor=None, reason="dezelfde persoon")
    assert _add(client, case, later.reference).status_code == 302
    case.refresh_from_db()
    assert set(case.registrations.all()) == {first, later}


def test_the_refusal_names_the_case_s_persons_by_their_list_names_not_the_first_spelling(
    make_user: Callable[..., Any],
) -> None:
    """The persons the refusal names are named as the case page's persons are: the spelling most often
    written in the registrations the user may see, not the first registration's."""
    ilse = {**ILSE, "bsn": "111222333"}
    first = take_in(
        "PL0600-H-9",
        BART,
        {**ilse, "given_names": "I."},
        registered_at="2026-08-08T10:00:00+02:00",
        relation=None,
        offences=["350"],
    )
    later = [
        take_in(
            f"PL0600-H-1{n}",
            BART,
            ilse,
            registered_at=f"2026-08-09T1{n}:00:00+02:00",
            relation=None,
            offences=["350"],
        )
        for n in (1, 2)
    ]
    assert person_of(first, "p2") == person_of(later[0], "p2") == person_of(later[1], "p2")
    other = take_in(
        "PL0600-H-13",
        MARCO,
        LOTTE,
        registered_at="2026-08-10T10:00:00+02:00",
        relation=None,
        offences=["350"],
    )
    _lead, client, case = _opened_by_a_lead(make_user)
    assert _add(client, case, first.reference).status_code == 302
    answer = _add(client, case, other.reference)
    assert answer.status_code == 422
    error = _field_error(answer)
    assert "Bart Mertens, Ilse Coenen" in error
    assert "I. Coenen" not in error
