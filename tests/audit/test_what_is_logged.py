"""What the access log must hold: logins, failed logins and logouts; reading the log itself; purposes without
a BSN in clear; and, per person, every read of their data, findable from the interface."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_record
from ketenzicht.linking.models import ReviewItem
from ketenzicht.organisations.models import User
from ketenzicht.patterns.models import Signal
from ketenzicht.ui.formats import person_number
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
BSN = "123456782"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user("privacy_officer", organisation="ketenzicht-beheer", username="olga")


# ------------------------------------------------------------------------------------ logins


def test_a_login_through_the_login_page_is_logged(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="ingrid", password=PASSWORD)
    response = Client().post("/accounts/login/", {"username": "ingrid", "password": PASSWORD})
    assert response.status_code == 302
    entry = AccessLogEntry.objects.get(action="login")
    assert (entry.actor_username, entry.organisation_code, entry.result) == (
        "ingrid",
        "oost-brabant",
        "granted",
    )
    assert entry.actor is not None and entry.origin.startswith("web")


def test_a_failed_login_keeps_the_username_tried_and_never_the_password(
    make_user: Callable[..., Any],
) -> None:
    make_user("case_screener", username="ingrid", password=PASSWORD)
    wrong = "wrong-secret-guess"
    response = Client().post("/accounts/login/", {"username": "ingrid", "password": wrong})
    assert response.status_code == 200
    Client().post("/accounts/login/", {"username": "nobody-here", "password": PASSWORD})
    failed = AccessLogEntry.objects.filter(action="login", result="refused").order_by("id")
    assert [(e.actor_username, e.actor_id) for e in failed] == [("ingrid", None), ("nobody-here", None)]
    for entry in failed:
        stored = " ".join(str(getattr(entry, f.attname)) for f in AccessLogEntry._meta.concrete_fields)
        assert wrong not in stored and PASSWORD not in stored and "*****" not in stored


def test_a_failed_login_with_a_bsn_as_username_does_not_store_it_in_clear() -> None:
    Client().post("/accounts/login/", {"username": BSN, "password": "x"})
    assert AccessLogEntry.objects.get(action="login").actor_username == "*" * len(BSN)


def test_a_logout_is_logged(make_user: Callable[..., Any]) -> None:
    client = client_for(make_user("case_screener", username="ingrid"))
    assert client.post("/accounts/logout/").status_code in {200, 302}
    entry = AccessLogEntry.objects.get(action="logout")
    assert (entry.actor_username, entry.result) == ("ingrid", "granted")


# ------------------------------------------------------------------------------------ reading the log


def test_reading_the_access_log_is_logged_with_its_filters(officer: Any) -> None:
    page = client_for(officer).get("/toegangslog/?action=view&person=12")
    assert page.status_code == 200
    entry = AccessLogEntry.objects.get(object_type="access_log")
    assert (entry.actor_username, entry.action, entry.result) == ("olga", "list", "shown")
    assert entry.detail["filters"] == {"action": "view", "person": "P0000012"}  # as the pages number persons


def test_a_refused_look_at_the_access_log_is_logged(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener", username="ingrid")
    assert client_for(screener).get("/toegangslog/").status_code == 403
    entry = AccessLogEntry.objects.get(object_type="access_log")
    assert (entry.actor_username, entry.result) == ("ingrid", "refused")


# ------------------------------------------------------------------------------------ purposes


def test_a_bsn_typed_into_a_purpose_is_masked(make_user: Callable[..., Any]) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    client = client_for(make_user("case_screener"))
    purpose = {"purpose_reason": "screening", "purpose_text": f"melding over BSN {BSN}, tel 0612345678"}
    assert client.post(f"/personen/{person.pk}/", purpose).status_code == 302
    client.get(f"/personen/{person.pk}/")
    logged = AccessLogEntry.objects.get(object_type="person", action="view", result="shown").purpose
    assert BSN not in logged and "0612345678" not in logged
    assert logged == f"screening: melding over BSN {'*' * 9}, tel {'*' * 10}"


# ------------------------------------------------------------------------------------ per person


def _access_list(client: Client, person_id: int) -> str:
    page = client.get(f"/toegangslog/?person={person_id}")
    assert page.status_code == 200
    return page.content.decode().split('data-testid="access-log"')[1]


def test_a_signal_view_is_in_the_access_list_of_its_suspect_and_victim(
    make_user: Callable[..., Any], officer: Any
) -> None:
    first = take_in("PL-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-A-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.get(rule="possible_stalking")
    assert (
        client_for(make_user("case_screener", username="ingrid")).get(f"/signalen/{signal.pk}/").status_code
        == 200
    )
    suspect, victim = person_of(first, "p1"), person_of(first, "p2")
    assert {signal.suspect_id, signal.victim_id} == {suspect.pk, victim.pk}
    auditor = client_for(officer)
    # Named as the desks know it, its kind and its pair by their numbers, not by its number in the database.
    name = f"Mogelijke belaging {person_number(suspect.pk)} → {person_number(victim.pk)}"
    for person in (suspect, victim):
        rows = _access_list(auditor, person.pk)
        assert "ingrid" in rows and f"patroonsignaal {name}" in rows
        assert f"signaal {signal.pk}<" not in rows


def test_a_registration_view_is_in_the_access_list_of_every_person_in_it(
    make_user: Callable[..., Any], officer: Any
) -> None:
    registration = register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "Kees", "surname": "Bakker", "birth_date": "1970-01-01"})
    viewer = client_for(make_user("case_screener", username="ingrid"))
    assert viewer.get(f"/registraties/{registration.pk}/").status_code == 200
    auditor = client_for(officer)
    for ref in ("p1", "p2"):
        rows = _access_list(auditor, person_of(registration, ref).pk)
        # Named by its reference, as the privacy officer knows it, not by its number in the database.
        assert "ingrid" in rows and f"registratie {registration.reference}" in rows
        assert f"registratie {registration.pk}<" not in rows
    other = AccessLogEntry.objects.get(object_type="registration", action="view")
    assert sorted(other.persons.values_list("person_id", flat=True)) == sorted(
        [person_of(registration, "p1").pk, person_of(registration, "p2").pk]
    )


def test_a_review_item_view_is_in_the_access_list_of_both_persons(
    make_user: Callable[..., Any], officer: Any
) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.get()
    admin = client_for(make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer"))
    assert admin.get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 200
    auditor = client_for(officer)
    for registration in (first, second):
        rows = _access_list(auditor, person_of(registration).pk)
        # Named by the registrations of its mention and its candidate, not by its number in the database.
        name = f"Beoordeling {item.mention.registration.reference} ↔ {item.candidate.registration.reference}"
        assert "beheer" in rows and f">{name}</td>" in rows  # the kind's word once


def test_the_dossier_access_list_holds_those_reads_and_links_to_the_access_log(
    make_user: Callable[..., Any], officer: Any
) -> None:
    registration = register("R1", DENNIS, SANDRA)
    person = person_of(registration)
    client_for(make_user("case_screener", username="ingrid")).get(f"/registraties/{registration.pk}/")
    auditor = client_for(officer)
    purpose = {"purpose_reason": "privacy_audit", "purpose_text": "controle van inzage"}
    assert auditor.post(f"/personen/{person.pk}/", purpose).status_code == 302
    page = auditor.get(f"/personen/{person.pk}/").content.decode()
    access = page.split('data-testid="access-list"')[1]
    assert "ingrid" in access and f"registratie {registration.reference}" in access
    assert f'href="/toegangslog/?person={person.pk}" data-testid="access-log-link"' in page


def test_the_dossier_access_list_names_people_organisations_and_actions(
    make_user: Callable[..., Any], officer: Any
) -> None:
    registration = register("R1", DENNIS, SANDRA)
    person = person_of(registration)
    ingrid = make_user("case_screener", username="ingrid")
    User.objects.filter(pk=ingrid.pk).update(first_name="Ingrid", last_name="de Vries")
    client_for(ingrid).get(f"/registraties/{registration.pk}/")
    helper = make_user("victim_support", organisation="slachtofferhulp-nederland", username="hulp")
    access_log_record(
        actor=helper,
        action="answer",
        object_type="zsm_request",
        object_id=7,
        result="stored",
        persons=[person.pk],
    )
    auditor = client_for(officer)
    purpose = {"purpose_reason": "privacy_audit", "purpose_text": "controle van inzage"}
    assert auditor.post(f"/personen/{person.pk}/", purpose).status_code == 302
    access = auditor.get(f"/personen/{person.pk}/").content.decode().split('data-testid="access-list"')[1]
    access = access.split("</table>", 1)[0]
    assert 'title="ingrid">Ingrid de Vries<' in access and ">ingrid<" not in access
    assert ">Politie eenheid Oost-Brabant<" in access and ">oost-brabant<" not in access
    assert ">Slachtofferhulp Nederland<" in access and ">antwoord<" in access and ">answer<" not in access


def test_each_entry_links_to_the_access_lists_of_its_persons(
    make_user: Callable[..., Any], officer: Any
) -> None:
    registration = register("R1", DENNIS, SANDRA)
    client_for(make_user("case_screener")).get(f"/registraties/{registration.pk}/")
    rows = client_for(officer).get("/toegangslog/?object_type=registration").content.decode()
    for ref in ("p1", "p2"):
        person = person_of(registration, ref).pk
        assert f'href="/toegangslog/?person=P{person:07d}"' in rows and f">P{person:07d}</a>" in rows


def test_the_person_filter_takes_the_number_as_the_pages_show_it_and_says_when_it_is_none(
    make_user: Callable[..., Any], officer: Any
) -> None:
    """A walk typed "P0000498" (as every dossier shows it) and "Verbeek": both were ignored without a word and
    the whole log shown as if filtered."""
    registration = register("R1", DENNIS, SANDRA)
    client_for(make_user("case_screener")).get(f"/registraties/{registration.pk}/")
    person = person_of(registration, "p1").pk
    client = client_for(officer)
    for typed in (f"P{person:07d}", f"p{person}", str(person), f" P {person} "):
        page = client.get("/toegangslog/", {"person": typed})
        assert page.status_code == 200, typed
        html = page.content.decode()
        assert 'data-testid="person-filter"' in html and f'value="P{person:07d}"' in html
        assert f">P{person:07d}</a>" in html.split('data-testid="access-log"')[1]  # the view that showed them
    # A name finds the person by the police's person search (test_access_log_person_period.py); text that
    # is neither a number nor a name is said at the field.
    named = client.get("/toegangslog/", {"person": "Verbeek"})
    assert named.status_code == 200 and f'value="{person_number(person_of(registration, "p2").pk)}"' in (
        named.content.decode()
    )
    refused = client.get("/toegangslog/", {"person": "%%%"})
    html = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="error-person"' in html
    assert "is geen persoonsnummer" in html and 'data-testid="person-filter"' not in html
    assert "P en zeven cijfers" in html.split('data-testid="error-person"')[1].split("</div>")[0]
    rows = html.split("</thead>")[-1]
    assert rows.count('<td class="utrecht-table__cell"') == 1 and "Geen regels." in rows  # nothing shown


def test_the_person_filter_points_at_nobody_by_way_of_example(officer: Any) -> None:
    """The field's example and the error beside it named "P0000498", a person of the demo register: an
    example to copy that led to someone. They say the format instead, and name no person number."""
    client = client_for(officer)
    for page in (client.get("/toegangslog/"), client.get("/toegangslog/", {"person": "Verbeek"})):
        html = page.content.decode()
        field = html.split('id="f-person"', 1)[1].split(">", 1)[0]
        assert 'placeholder="P en zeven cijfers"' in field
        assert not re.search(r"P\d{7}", html.split("<main", 1)[1].split('data-testid="access-log"')[0])


def _persons_logged(**lookup: Any) -> set[int]:
    entry = AccessLogEntry.objects.filter(**lookup).latest("id")
    return set(entry.persons.values_list("person_id", flat=True))


def test_lists_that_show_names_record_the_persons_shown(make_user: Callable[..., Any]) -> None:
    first = take_in("PL-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-A-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    both = {person_of(first, "p1").pk, person_of(first, "p2").pk}
    screener = client_for(make_user("case_screener"))
    assert screener.get("/signalen/").status_code == 200
    assert _persons_logged(object_type="signal", action="list") == both
    assert screener.get("/registraties/").status_code == 200
    assert _persons_logged(object_type="registration", action="list") == both
    assert screener.get("/api/v1/registrations").status_code == 200
    assert _persons_logged(object_type="registration", action="list", origin__startswith="api") == both


def test_the_review_list_records_the_persons_of_both_mentions(make_user: Callable[..., Any]) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    admin = client_for(make_user("functional_admin", organisation="ketenzicht-beheer"))
    assert admin.get("/koppelingen/beoordelen/").status_code == 200
    assert _persons_logged(object_type="review_item", action="list") == {
        person_of(first).pk,
        person_of(second).pk,
    }


def test_a_dossier_view_is_in_the_access_list_of_the_companions_it_names(
    make_user: Callable[..., Any],
) -> None:
    registration = register("R1", DENNIS, SANDRA)
    dennis, sandra = person_of(registration, "p1"), person_of(registration, "p2")
    client = client_for(make_user("case_screener"))
    purpose = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
    client.post(f"/personen/{dennis.pk}/", purpose)
    client.get(f"/personen/{dennis.pk}/")
    assert _persons_logged(object_type="person", action="view") == {dennis.pk, sandra.pk}
