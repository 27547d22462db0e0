"""A screening case opened by hand: once a registration added on its page names a suspect and a victim it
is the pair's case in the unit, in the queue, and later registrations of the pair join it; a pair with an
open case in the unit already is refused (one open case per pair per unit), naming that case only to a
user who may open it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.organisations.models import Organisation
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.selectors import queue_for_user
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import case_add_registrations_by_user, case_open
from tests.clients import signed_in
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def _by_hand(process: str = "ex_partner_stalking") -> Case:
    return case_open(
        process=process,
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Op verzoek van de wijkagent",
        actor=None,
    )


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


def test_a_case_opened_by_hand_joins_the_queue_as_its_pair_s_case_and_the_pair_s_next_report_joins_it(
    make_user: Callable[..., Any],
) -> None:
    registration = take_in(
        "PL0600-M-1", BART, ILSE, registered_at="2026-08-09T10:00:00+02:00", relation=None, offences=["350"]
    )
    assert not ScreeningCase.objects.exists()  # the case rules opened no case for it
    screener = make_user("case_screener")
    case = _by_hand()
    assert not queue_for_user(user=screener).exists()

    assert _add(signed_in(make_user("team_lead")), case, registration.reference).status_code == 302
    row = ScreeningCase.objects.get(case=case)
    assert (row.suspect, row.victim) == (person_of(registration, "p1"), person_of(registration, "p2"))
    assert (row.suspect_name, row.victim_name) == ("Bart Mertens", "Ilse Coenen")
    assert row.open and row.unit.code == "oost-brabant" and row.deadline_at == case.deadline_at
    assert [s.case_id for s in queue_for_user(user=screener)] == [case.pk]
    page = signed_in(screener).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="suspect-dossier"' in page and 'data-testid="victim-dossier"' in page

    # The pair's next report, one the case rules open a case for, joins this case.
    later = take_in("PL0600-M-2", BART, ILSE, registered_at="2026-08-20T10:00:00+02:00")
    assert ScreeningCase.objects.count() == 1
    assert set(case.registrations.all()) == {registration, later}


def test_a_pair_with_an_open_case_in_the_unit_is_refused_naming_that_case_and_nothing_is_stored(
    make_user: Callable[..., Any],
) -> None:
    registration = take_in("PL0600-M-3", MARCO, LOTTE, registered_at="2026-08-09T10:00:00+02:00")
    opened = ScreeningCase.objects.get().case  # intake opened the pair's case
    case = _by_hand()
    answer = _add(signed_in(make_user("team_lead")), case, registration.reference)
    assert answer.status_code == 422
    assert opened.reference in answer.content.decode()
    case.refresh_from_db()
    assert not case.registrations.exists() and not case.persons.exists()
    assert not case.events.filter(kind=EventKind.REGISTRATION).exists()
    assert list(ScreeningCase.objects.values_list("case_id", flat=True)) == [opened.pk]


def test_the_open_case_of_the_pair_is_not_named_to_a_user_who_may_not_open_it(
    make_user: Callable[..., Any],
) -> None:
    registration = take_in("PL0600-M-4", MARCO, LOTTE, registered_at="2026-08-09T10:00:00+02:00")
    opened = ScreeningCase.objects.get().case
    case = _by_hand()
    outsider = make_user("team_lead", organisation="noord-nederland")  # may not open the unit's cases
    with pytest.raises(Refused) as refused:
        case_add_registrations_by_user(
            case, [registration], actor=outsider, expected_version=case.lock_version
        )
    assert (refused.value.code, refused.value.detail) == ("pair_open_hidden", "")
    assert opened.reference not in str(refused.value)
    assert not case.registrations.exists()


def test_the_pair_of_a_case_opened_by_hand_does_not_push_out_the_persons_named_before_it(
    make_user: Callable[..., Any],
) -> None:
    """A first report names two victims and no suspect; a later one names the suspect of one of them: the
    case becomes that pair's, and the other victim stays among its persons."""
    noor = {"given_names": "Noor", "surname": "Sedney", "birth_date": "1990-02-02", "sex": "F"}
    data = exchange_registration(
        reference=in_numbering("PL0600-M-5", source="politie", unit="oost-brabant", municipality=None),
        kind="melding",
        persons=[{"ref": "p1", "role": "victim", **noor}, {"ref": "p2", "role": "victim", **ILSE}],
        relations=[],
        offences=["350"],
        registered_at="2026-08-08T09:00:00+02:00",
        occurred_at="2026-08-08T09:00:00+02:00",
    )
    victims = intake_registration(actor=None, data=data, channel="import").registration
    pair = take_in(
        "PL0600-M-6", BART, ILSE, registered_at="2026-08-09T10:00:00+02:00", relation=None, offences=["350"]
    )
    case = _by_hand()
    client = signed_in(make_user("team_lead"))
    assert _add(client, case, victims.reference).status_code == 302
    assert _add(client, case, pair.reference).status_code == 302
    row = ScreeningCase.objects.get(case=case)
    assert (row.suspect, row.victim) == (person_of(pair, "p1"), person_of(pair, "p2"))
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    persons = page.split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]
    assert [name for name in ("Bart Mertens", "Ilse Coenen", "Noor Sedney") if name in persons] == [
        "Bart Mertens",
        "Ilse Coenen",
        "Noor Sedney",
    ]
    assert persons.index("Bart Mertens") < persons.index("Ilse Coenen") < persons.index("Noor Sedney")


def test_a_case_opened_by_hand_gets_the_provisional_urgency_its_registrations_give_in_the_queue(
    make_user: Callable[..., Any],
) -> None:
    """As intake does for a case it opens: a threat with a knife in the report is acute before any
    screening, so the case sorts above the others, not below Laag with "—"."""
    registration = take_in(
        "PL0600-M-7",
        BART,
        ILSE,
        registered_at="2026-08-09T10:00:00+02:00",
        relation=None,
        offences=["350"],
        summary="Verdachte stond met een mes voor de deur.",
    )
    assert not ScreeningCase.objects.exists()
    case = _by_hand()
    assert _add(signed_in(make_user("team_lead")), case, registration.reference).status_code == 302
    row = ScreeningCase.objects.get(case=case)
    assert (row.urgency, row.urgency_rank) == ("acute", 0)
    case.refresh_from_db()
    assert case.data["urgency_provisional"] == "acute"
    assert case.events.filter(
        kind=EventKind.RECORDED, detail__values={"urgency_provisional": "acute"}
    ).exists()
    # A report without danger words gives a case intake would call normal, never low.
    plain = take_in(
        "PL0600-M-8", MARCO, LOTTE, registered_at="2026-08-09T10:00:00+02:00", relation=None, offences=["350"]
    )
    other = _by_hand()
    assert _add(signed_in(make_user("team_lead")), other, plain.reference).status_code == 302
    assert ScreeningCase.objects.get(case=other).urgency == "normal"


def test_a_case_opened_by_hand_says_it_is_not_in_the_queue_until_a_registration_names_a_pair(
    make_user: Callable[..., Any],
) -> None:
    """Without persons there is nobody to screen (said on the step that starts the screening too); with a
    victim only, the case says it joins the queue once a registration names a suspect and a victim."""
    noor = {"given_names": "Noor", "surname": "Sedney", "birth_date": "1990-02-02", "sex": "F"}
    data = exchange_registration(
        reference=in_numbering("PL0600-M-9", source="politie", unit="oost-brabant", municipality=None),
        kind="melding",
        persons=[{"ref": "p1", "role": "victim", **noor}],
        relations=[],
        offences=["350"],
        registered_at="2026-08-08T09:00:00+02:00",
        occurred_at="2026-08-08T09:00:00+02:00",
    )
    alone = intake_registration(actor=None, data=data, channel="import").registration
    pair = take_in(
        "PL0600-M-10", BART, noor, registered_at="2026-08-09T10:00:00+02:00", relation=None, offences=["350"]
    )
    case = _by_hand()
    lead = make_user("team_lead")
    client = signed_in(lead)
    with translation.override("nl"):
        joins = translation.gettext(
            "The case joins the screening queue once a registration names both a suspect and a victim."
        )
        nobody = translation.gettext(
            "This case has no persons yet: add a registration about them above. Until then there is nobody "
            "to screen."
        )

    def waiting() -> str:
        page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
        found = page.split('data-testid="screening-waiting"', 1)
        return found[1].split("</section>", 1)[0] if len(found) == 2 else ""

    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="step-note-start_screening"' in page
    assert nobody in waiting() and joins in waiting()

    assert _add(client, case, alone.reference).status_code == 302
    assert joins in waiting() and nobody not in waiting()
    screener = make_user("case_screener")
    assert not queue_for_user(user=screener).filter(case_id=case.pk).exists()

    assert _add(client, case, pair.reference).status_code == 302
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="screening-waiting"' not in page and 'data-testid="screening-panel"' in page
    assert 'data-testid="step-note-start_screening"' not in page
    assert queue_for_user(user=screener).filter(case_id=case.pk).exists()
