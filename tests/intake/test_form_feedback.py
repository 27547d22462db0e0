"""After saving the form, the page says what linking and the check of protective measures did with it, per
person, in the registrar's words and no more than they may know."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.intake.selectors import mentions_linked_for_user
from ketenzicht.linking.online import LinkOutcome
from ketenzicht.registrations.models import Registration
from tests.measures.helpers import couple_with_case, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db
URL = "/registraties/nieuw/"


def _form(reference: str, kind: str, persons: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": secrets.token_urlsafe(16),
        "reference": reference,
        "kind": kind,
        "municipality": "GM0796",
        "summary": "Hij stond weer voor de deur.",
        "persons-TOTAL_FORMS": str(len(persons)),
        "persons-INITIAL_FORMS": "0",
        "relations-TOTAL_FORMS": "0",
        "relations-INITIAL_FORMS": "0",
    }
    for index, person in enumerate(persons):
        data.update({f"persons-{index}-{name}": value for name, value in person.items()})
    return data


def _typed(role: str, person: dict[str, Any]) -> dict[str, str]:
    """A test person as the form's fields (its date of birth as typed, DD-MM-YYYY)."""
    year, month, day = person["birth_date"].split("-")
    return {
        "role": role,
        "given_names": person["given_names"],
        "surname_prefix": person.get("surname_prefix", ""),
        "surname": person["surname"],
        "birth_date": f"{day}-{month}-{year}",
        "postcode": person["address"]["postcode"] if "address" in person else "",
        "house_number": person["address"]["house_number"] if "address" in person else "",
    }


def _messages(client: Client, data: dict[str, Any]) -> str:
    answer = client.post(URL, data, follow=True)
    assert answer.redirect_chain, "the form was not stored"
    page = answer.content.decode()
    return " ".join(part.split("</p>", 1)[0] for part in page.split('class="utrecht-paragraph">')[1:])


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_after_saving_the_page_says_per_person_whether_they_were_linked_to_a_known_person(
    registrar: Any,
) -> None:
    """Saving a registration of someone the register knows said nothing of the link: now each person of the
    form is named with what linking did, a known person's number included."""
    known = person_of(take_in("PL0600-FB-1", MARCO, LOTTE, registered_at="2026-11-01T10:00:00+01:00"))
    stranger = {"given_names": "Quirijn", "surname": "Zwanenburg", "birth_date": "1979-02-17"}
    data = _form("PL0600-FB-2", "incident", [_typed("suspect", MARCO), _typed("victim", stranger)])
    said = _messages(_client(registrar), data)
    stored = Registration.objects.get(reference="PL0600-FB-2")
    new = person_of(stored, "p2")
    assert new != known
    assert f"Person 1 (Marco Hendriks): linked to a known person ({known})." in said
    assert f"Person 2 (Quirijn Zwanenburg): a new person ({new})." in said


def test_who_may_not_search_persons_is_not_told_whether_a_person_is_known(
    make_user: Callable[..., Any], registrar: Any
) -> None:
    """Veilig Thuis asks the police whether a person is known: the feedback must not tell it."""
    registration = take_in("PL0600-FB-3", MARCO, LOTTE, registered_at="2026-11-01T10:00:00+01:00")
    outcome = LinkOutcome(registration.mentions.get(ref="p1").pk, registration.pk, 1, "online", 0.999, 0)
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    assert mentions_linked_for_user(user=assessor, registration=registration, links=[outcome]) == []
    assert [row.known for row in mentions_linked_for_user(
        user=registrar, registration=registration, links=[outcome]
    )] == [True]  # fmt: skip


def test_a_breach_names_its_measure_and_who_was_alerted_only_to_whom_may_see_the_measure(
    make_user: Callable[..., Any], registrar: Any
) -> None:
    """A registrar sees the registrations of their unit, not its protective measures (measures.selectors):
    told that the breach they registered was passed on, not which measure; a registrar who also screens
    the unit's cases is told the measure and who was alerted."""
    marco, lotte, case = couple_with_case("PL0600-FB-4")
    measure = restraining_order(marco, lotte, case)
    persons = [_typed("suspect", MARCO), _typed("victim", LOTTE)]
    said = _messages(_client(registrar), _form("PL0600-FB-5", "overtreding_maatregel", persons))
    assert "The breach you registered matches a protective measure in force" in said
    assert measure.reference not in said
    screener = make_user("police_registrar", "case_screener")
    said = _messages(_client(screener), _form("PL0600-FB-6", "overtreding_maatregel", persons))
    assert (
        f"Possible breach of protective measure {measure.reference}: the owner of the police case and the "
        "prosecutor have been alerted."
    ) in said


def test_a_breach_of_two_measures_is_told_once_to_a_registrar_who_may_not_see_them(
    make_user: Callable[..., Any], registrar: Any
) -> None:
    """A breach of two measures in force at once said the same sentence twice to a registrar who may not see
    measures; one who may is told each measure by its reference."""
    marco, lotte, case = couple_with_case("PL0600-FB-7")
    first = restraining_order(marco, lotte, case)
    second = restraining_order(marco, lotte, case, conditions=["contact_ban", "reporting_duty"])
    persons = [_typed("suspect", MARCO), _typed("victim", LOTTE)]
    said = _messages(_client(registrar), _form("PL0600-FB-8", "overtreding_maatregel", persons))
    assert said.count("The breach you registered matches a protective measure in force") == 1
    screener = make_user("police_registrar", "case_screener")
    said = _messages(_client(screener), _form("PL0600-FB-9", "overtreding_maatregel", persons))
    assert (
        f"protective measure {first.reference}:" in said and f"protective measure {second.reference}:" in said
    )
