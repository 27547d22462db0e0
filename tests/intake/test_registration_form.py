"""The registrar's form: stores through the pipeline, puts each error at its field in Dutch, stores once."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from ketenzicht.intake.forms import person_labels
from ketenzicht.intake.models import FormSubmission
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration
from tests.summary import banners, nothing_stored

from .formpage import sent

pytestmark = pytest.mark.django_db
URL = "/registraties/nieuw/"


def form_data(**overrides: Any) -> dict[str, Any]:
    """A filled-in form; each call a form of its own (its one-time token), unless `form_token` is given."""
    data: dict[str, Any] = {
        "form_token": secrets.token_urlsafe(16),
        "reference": "PL0600-FORM-1",
        "kind": "incident",
        "occurred_at": "2026-11-20T21:40",
        "municipality": "GM0796",
        "offences": ["285", "350"],
        "summary": "Ex-partner stond weer voor de deur.",
        "persons-TOTAL_FORMS": "2",
        "persons-INITIAL_FORMS": "0",
        "persons-0-role": "suspect",
        "persons-0-given_names": "Johannes",
        "persons-0-surname_prefix": "van der",
        "persons-0-surname": "Berg",
        "persons-0-birth_date": "1985-04-12",
        "persons-1-role": "victim",
        "persons-1-given_names": "Anna",
        "persons-1-surname": "Jansen",
        "persons-1-birth_date": "1990-05-00",
        "relations-TOTAL_FORMS": "1",
        "relations-INITIAL_FORMS": "0",
        "relations-0-from_ref": "p1",
        "relations-0-kind": "ex_partner",
        "relations-0-to_ref": "p2",
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(registrar: Any) -> Client:
    c = Client()
    c.force_login(registrar)
    return c


def test_a_complete_form_is_stored_once_even_when_sent_twice(client: Client) -> None:
    first = client.post(URL, form_data())
    assert first.status_code == 302
    again = client.post(URL, form_data())
    assert again.status_code == 302 and again["Location"] == first["Location"]
    registration = Registration.objects.get()
    assert registration.unit is not None
    assert (registration.reference, registration.unit.code, registration.channel) == (
        "PL0600-FORM-1",
        "oost-brabant",
        "form",
    )
    assert registration.mentions.get(ref="p2").birth_month == 5
    assert MentionRelation.objects.get().kind == "ex_partner"


def test_errors_land_at_their_fields_in_dutch_and_nothing_is_stored(client: Client) -> None:
    response = client.post(
        URL, form_data(**{"persons-0-birth_date": "1985-13-01", "persons-1-postcode": "56111"})
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-persons-0-birth_date"' in page and "de maand moet 01-12 of 00 zijn" in page
    assert 'data-testid="error-persons-1-postcode"' in page and "geen Nederlandse postcode" in page
    assert 'aria-invalid="true"' in page
    assert Registration.objects.count() == 0


def test_the_prefilled_relation_row_left_untouched_is_no_relation(client: Client) -> None:
    response = client.post(URL, form_data(**{"relations-0-kind": ""}))
    assert response.status_code == 302
    assert not MentionRelation.objects.exists()


def test_a_relation_to_a_person_not_on_the_form_is_an_error_at_that_field(client: Client) -> None:
    response = client.post(URL, form_data(**{"relations-0-to_ref": "p3", "relations-0-kind": "partner"}))
    assert response.status_code == 422
    assert 'data-testid="error-relations-0-to_ref"' in response.content.decode()


def test_the_add_person_button_returns_the_next_fieldset_and_the_new_total(client: Client) -> None:
    response = client.get("/registraties/nieuw/persoon/?index=2")
    page = response.content.decode()
    assert 'name="persons-2-surname"' in page
    assert 'name="persons-TOTAL_FORMS" value="3"' in page and 'hx-swap-oob="true"' in page


def test_a_new_relation_row_names_the_persons_as_typed(client: Client) -> None:
    typed = form_data()
    sent = {k: v for k, v in typed.items() if k.startswith("persons-")}
    response = client.get("/registraties/nieuw/relatie/", {**sent, "relations-TOTAL_FORMS": "1"})
    page = response.content.decode()
    assert 'name="relations-1-from_ref"' in page
    assert ">Persoon 1: Johannes van der Berg (verdachte)</option>" in page
    assert ">Persoon 2: Anna Jansen (slachtoffer)</option>" in page


def test_a_form_sent_back_names_the_persons_in_its_relation_rows(client: Client) -> None:
    response = client.post(URL, form_data(**{"persons-0-birth_date": "2031-01-01"}))
    assert response.status_code == 422
    assert ">Persoon 2: Anna Jansen (slachtoffer)</option>" in response.content.decode()


def test_a_person_without_a_name_is_offered_by_number() -> None:
    with translation.override("en"):
        labels = person_labels({"persons-0-role": "suspect", "persons-1-surname": "Jansen"}, 3)
    assert [str(label) for label in labels] == ["Person 1", "Person 2: Jansen", "Person 3"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"occurred_at": "2031-01-01T10:00"}, "occurred_at", id="incident in the future"),
        pytest.param({"persons-0-birth_date": "2026-11-21"}, "persons-0-birth_date", id="born after it"),
        pytest.param(
            {"persons-0-street": "Dorpsstraat", "persons-0-house_number": "abc"},
            "persons-0-house_number",
            id="house number without digits",
        ),
        pytest.param(
            {"relations-0-from_ref": "p2", "relations-0-to_ref": "p1", "relations-0-kind": ""},
            "relations-0-kind",
            id="relation without a type",
        ),
    ],
)
def test_impossible_input_is_refused_at_its_field(
    client: Client, overrides: dict[str, str], field: str
) -> None:
    response = client.post(URL, form_data(**overrides))
    assert response.status_code == 422
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page
    assert "ex_partner" not in page.split(f'data-testid="error-{field}"')[1][:300]  # no internal codes
    assert Registration.objects.count() == 0


def test_the_form_says_which_unit_will_own_the_registration(client: Client) -> None:
    page = client.get(URL, follow=True).content.decode()
    assert 'data-testid="owning-unit"' in page and "Politie eenheid Oost-Brabant" in page
    assert 'value="PL0600-' in page  # a fresh reference in the unit's own numbering
    # an incident in Amsterdam, registered by Oost-Brabant, belongs to Oost-Brabant
    response = client.post(URL, form_data(municipality="GM0363"), follow=True)
    registration = Registration.objects.get()
    assert registration.unit is not None and registration.unit.code == "oost-brabant"
    assert "Politie eenheid Oost-Brabant" in response.content.decode()


def test_a_birth_date_typed_the_dutch_way_is_taken(client: Client) -> None:
    response = client.post(
        "/registraties/nieuw/",
        form_data(**{"persons-0-birth_date": "12-4-1985", "persons-1-birth_date": "1990"}),  # day-month-year
    )
    assert response.status_code == 302
    births = dict(
        PersonMention.objects.values_list("surname", "birth_date_raw")  # as the exchange format writes them
    )
    assert births == {"Berg": "1985-04-12", "Jansen": "1990-00-00"}
    refused = client.post(
        "/registraties/nieuw/",
        form_data(reference="PL0600-FORM-2", **{"persons-0-birth_date": "31-13-1985"}),
    )
    assert refused.status_code == 422
    assert 'data-testid="error-persons-0-birth_date"' in refused.content.decode()


def test_a_police_unit_is_offered_its_own_municipalities_apart_from_the_others(client: Client) -> None:
    page = client.get(URL, follow=True).content.decode()
    select = page[page.index('name="municipality"') :]
    select = select[: select.index("</select>")]
    own, others = select.split("<optgroup")[1:]
    assert "Oss" in own and "Eindhoven" in own and "Amsterdam" not in own
    assert "Amsterdam" in others and "Oss" not in others


def victim_without_name(**overrides: Any) -> dict[str, Any]:
    """Person 2 left at its role (victim) with every field emptied, related to person 1 as partner."""
    data = form_data(**{"relations-0-kind": "partner", **overrides})
    for name in ("given_names", "surname", "birth_date"):
        data[f"persons-1-{name}"] = ""
    return data


def test_a_related_person_without_a_name_is_marked_and_nothing_is_stored(client: Client) -> None:
    response = client.post(URL, victim_without_name())
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-persons-1-surname"' in page
    assert 'data-testid="error-relations-0-to_ref"' not in page and "'p2'" not in page
    assert Registration.objects.count() == 0


def test_the_nameless_person_and_the_other_persons_mistakes_show_in_one_round_trip(client: Client) -> None:
    """Person 2 named nobody, and person 1's date of birth and phone are wrong: all three are marked at once,
    not the nameless person first and the rest only when the form is sent again."""
    response = client.post(
        URL, victim_without_name(**{"persons-0-birth_date": "31-02-1980", "persons-0-phone": "bel me"})
    )
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("persons-1-surname", "persons-0-birth_date", "persons-0-phone"):
        assert f'data-testid="error-{field}"' in page, field
    assert "31-02-1980 is geen bestaande datum" in page and "'p2'" not in page
    assert 'data-testid="error-relations-0-to_ref"' not in page  # follows from person 2, marked already
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param(
            {"persons-TOTAL_FORMS": "3", "persons-1-surname": "Jansen", "persons-2-role": "victim"},
            "persons-2-surname",
            id="an added person given a role",
        ),
        pytest.param({"persons-1-role": "witness"}, "persons-1-surname", id="another role chosen"),
        pytest.param({"persons-1-phone": "0612345678"}, "persons-1-surname", id="only a phone"),
    ],
)
def test_a_person_in_use_without_a_name_is_not_dropped(
    client: Client, overrides: dict[str, str], field: str
) -> None:
    response = client.post(URL, {**victim_without_name(**{"relations-0-kind": ""}), **overrides})
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert Registration.objects.count() == 0


def test_a_person_fieldset_left_as_it_opened_is_left_out(client: Client) -> None:
    data = victim_without_name(**{"relations-0-kind": ""})
    data.update({"persons-TOTAL_FORMS": "3", "persons-2-role": "suspect"})  # added, left as it came
    response = client.post(URL, data)
    assert response.status_code == 302
    assert list(PersonMention.objects.values_list("surname", flat=True)) == ["Berg"]


def test_a_relation_to_a_person_not_on_the_form_names_the_person_by_number(client: Client) -> None:
    response = client.post(URL, form_data(**{"relations-0-to_ref": "p3", "relations-0-kind": "partner"}))
    page = response.content.decode()
    error = page.split('data-testid="error-relations-0-to_ref"')[1][:200]
    assert "Persoon 3" in error and "p3" not in error


def summary_links(page: str) -> list[tuple[str, str]]:
    """(anchor, text) of each link in the error summary on top of the page."""
    summary = page.split('data-testid="form-errors-list"')[1].split("</ul>")[0]
    return re.findall(r'<a [^>]*href="#([^"]+)"[^>]*>([^<]*)</a>', summary)


def test_the_error_summary_links_each_error_to_its_field(client: Client) -> None:
    page = client.post(URL, victim_without_name(offences=["999"])).content.decode()
    links = summary_links(page)
    assert [anchor for anchor, _ in links] == ["id_offences_0", "id_persons-1-surname"]
    assert links[1][1].startswith("Persoon 2, Achternaam: ")
    for anchor, _ in links:  # each link leads to an input on the page
        assert f'id="{anchor}"' in page
    # the pipeline's errors too, in the order of the page
    page = client.post(
        URL, form_data(**{"persons-0-birth_date": "1985-13-01", "persons-1-postcode": "56111"})
    ).content.decode()
    links = summary_links(page)
    assert [anchor for anchor, _ in links] == ["id_persons-0-birth_date", "id_persons-1-postcode"]
    assert links[0][1] == "Persoon 1, Geboortedatum: de maand moet 01-12 of 00 zijn"


def test_a_date_that_does_not_exist_is_quoted_as_typed(client: Client) -> None:
    response = client.post(URL, form_data(**{"persons-0-birth_date": "31-02-1980"}))
    assert response.status_code == 422
    error = response.content.decode().split('data-testid="error-persons-0-birth_date"')[1][:200]
    assert "31-02-1980 is geen bestaande datum" in error and "1980-02-31" not in error
    assert Registration.objects.count() == 0


def test_a_phone_field_without_a_number_is_refused_at_its_field(client: Client) -> None:
    response = client.post(URL, form_data(**{"persons-1-phone": "bel me"}))
    assert response.status_code == 422
    error = response.content.decode().split('data-testid="error-persons-1-phone"')[1][:200]
    assert "bel me" in error
    assert Registration.objects.count() == 0
    stored = client.post(URL, form_data(**{"persons-1-phone": "+32 470 12 34 56"}))  # a Belgian mobile
    assert stored.status_code == 302


# The ids of what a link can focus: no hidden input.
FOCUSABLE = re.compile(r'<(?:input(?![^>]*type="hidden")|select|textarea|button)\b[^>]*\bid="([^"]+)"')


@pytest.mark.parametrize(
    ("overrides", "anchors"),
    [
        pytest.param(
            {
                "reference": "",
                "kind": "xyz",
                "occurred_at": "gisteren",
                "municipality": "GM9999",
                "offences": ["999"],
                "persons-0-role": "xyz",
                "persons-0-birth_date": "12-04-1985x",
                "persons-0-sex": "q",
                "persons-1-postcode": "56111 AB 12",
                "relations-0-kind": "xyz",
            },
            [
                "id_reference",
                "id_kind",
                "id_occurred_at",
                "id_municipality",
                "id_offences_0",  # a group of checkboxes: its first
                "id_persons-0-role",
                "id_persons-0-birth_date",
                "id_persons-0-sex",
                "id_persons-1-postcode",
                "id_relations-0-kind",
            ],
            id="a field of every kind",
        ),
        pytest.param(
            {"persons-TOTAL_FORMS": "21", "relations-TOTAL_FORMS": "41"},
            ["id_persons-0-given_names", "id_relations-0-from_ref"],
            id="the persons and the relations as a whole",
        ),
    ],
)
def test_every_link_of_the_error_summary_focuses_the_input_in_error(
    client: Client, overrides: dict[str, Any], anchors: list[str]
) -> None:
    page = client.post(URL, form_data(**overrides)).content.decode()
    links = [anchor for anchor, _ in summary_links(page)]
    assert links == anchors
    focusable = set(FOCUSABLE.findall(page))
    assert [anchor for anchor in links if anchor not in focusable] == []


def as_it_opens(client: Client, **overrides: str) -> dict[str, Any]:
    """The form sent as it opens, nothing filled in: only what the page fills in itself (the reference, the
    kind, the persons' roles, the relation row between them)."""
    return {**sent(client.get(URL, follow=True).content.decode()), **overrides}


def test_an_empty_registration_names_every_missing_field_in_one_round_trip(client: Client) -> None:
    response = client.post(URL, as_it_opens(client, reference=""))
    assert response.status_code == 422
    page = response.content.decode()
    # The form opens as a report (aangifte): its offence, place and account are asked for too.
    assert [anchor for anchor, _ in summary_links(page)] == [
        "id_reference",
        "id_municipality",
        "id_offences_0",
        "id_summary",
        "id_persons-0-given_names",
    ]
    assert 'data-testid="error-reference"' in page and 'data-testid="error-persons"' in page
    assert summary_links(page)[4][1] == "Vul minstens één persoon in: een naam of een geboortedatum."
    assert "invoer" not in page  # the exchange format's words are not the form's
    assert Registration.objects.count() == 0


def test_a_registration_without_persons_says_so_in_the_summary_beside_the_other_mistakes(
    client: Client,
) -> None:
    """The reference left as filled in: no person is the form's one mistake, a link in the summary like any
    other, and said beside what storing would find besides (an incident in the future)."""
    page = client.post(URL, as_it_opens(client, kind="incident")).content.decode()
    assert [anchor for anchor, _ in summary_links(page)] == ["id_persons-0-given_names"]
    opened = as_it_opens(client, kind="incident", occurred_at="2031-01-01T10:00")
    page = client.post(URL, opened).content.decode()
    assert [anchor for anchor, _ in summary_links(page)] == ["id_occurred_at", "id_persons-0-given_names"]
    assert "invoer" not in page
    assert Registration.objects.count() == 0


def test_a_person_given_only_a_role_is_marked_as_nameless_not_as_missing(client: Client) -> None:
    opened = as_it_opens(client, kind="incident", **{"persons-1-role": "witness"})
    page = client.post(URL, opened).content.decode()
    assert [anchor for anchor, _ in summary_links(page)] == ["id_persons-1-surname"]
    assert 'data-testid="error-persons"' not in page


def _nl(msgid: str) -> str:
    """The text the pages show for `msgid` (whatever the Dutch translations are now)."""
    with translation.override("nl"):
        return translation.gettext(msgid)


STATEMENT_MISSING = {
    "municipality": "Choose the municipality where it happened: a report or complaint always names it.",
    "offences": "Tick at least one offence: a report or complaint always names one.",
    "summary": "Describe what happened: a report or complaint always has a summary.",
}


@pytest.mark.parametrize("kind", ["aangifte", "klacht"])
def test_a_report_without_offence_place_or_account_names_each_at_its_field_and_stores_nothing(
    client: Client, kind: str
) -> None:
    response = client.post(URL, form_data(kind=kind, municipality="", offences=[], summary=""))
    assert response.status_code == 422
    page = response.content.decode()
    for name, msgid in STATEMENT_MISSING.items():
        error = page.split(f'data-testid="error-{name}"')[1].split("</div>")[0]
        assert _nl(msgid) in error, name
    links = summary_links(page)
    assert [anchor for anchor, _ in links] == ["id_municipality", "id_offences_0", "id_summary"]
    assert all(_nl(msgid) in text for (_, text), msgid in zip(links, STATEMENT_MISSING.values(), strict=True))
    assert Registration.objects.count() == 0
    # What was typed is kept.
    fields = sent(page)
    assert (fields["reference"], fields["kind"], fields["occurred_at"]) == (
        "PL0600-FORM-1",
        kind,
        "2026-11-20T21:40",
    )
    assert (fields["persons-0-surname"], fields["persons-1-surname"]) == ("Berg", "Jansen")


def test_a_report_missing_one_of_them_names_only_that_one(client: Client) -> None:
    page = client.post(URL, form_data(kind="aangifte", summary="  ")).content.decode()
    assert [anchor for anchor, _ in summary_links(page)] == ["id_summary"]
    assert Registration.objects.count() == 0
    assert client.post(URL, form_data(kind="aangifte")).status_code == 302


def test_a_report_with_an_unknown_offence_says_that_and_not_that_none_is_ticked(client: Client) -> None:
    page = client.post(URL, form_data(kind="aangifte", offences=["999"])).content.decode()
    error = page.split('data-testid="error-offences"')[1].split("</div>")[0]
    assert _nl(STATEMENT_MISSING["offences"]) not in error and error.strip()


@pytest.mark.parametrize("kind", ["melding", "incident", "overtreding_maatregel"])
def test_a_notification_incident_or_breach_may_come_without_offence_place_or_account(
    client: Client, kind: str
) -> None:
    response = client.post(URL, form_data(kind=kind, municipality="", offences=[], summary=""))
    assert response.status_code == 302
    assert Registration.objects.get().kind == kind


def test_a_report_missing_them_shows_beside_the_other_mistakes_in_one_round_trip(client: Client) -> None:
    """An incident in the future and a wrong date of birth, said together with the missing offence."""
    page = client.post(
        URL,
        form_data(
            kind="aangifte",
            offences=[],
            occurred_at="2031-01-01T10:00",
            **{"persons-0-birth_date": "1985-13-01"},
        ),
    ).content.decode()
    assert [anchor for anchor, _ in summary_links(page)] == [
        "id_occurred_at",
        "id_offences_0",
        "id_persons-0-birth_date",
    ]
    assert Registration.objects.count() == 0


def test_an_incident_in_the_future_says_the_bound_in_the_pages_date_format(client: Client) -> None:
    before = timezone.localtime()
    response = client.post(URL, form_data(occurred_at="2031-01-01T10:00"))
    after = timezone.localtime()
    page = response.content.decode()
    error = page.split('data-testid="error-occurred_at"')[1].split("</div>")[0]
    template = _nl("lies in the future: it cannot be later than now (%(bound)s)")
    bounds = {f"{moment:%d-%m-%Y %H:%M}" for moment in (before, after)}
    said = {template % {"bound": bound} for bound in bounds}
    assert any(text[:1].upper() + text[1:] in error for text in said), error
    assert any(text in dict(summary_links(page))["id_occurred_at"] for text in said)
    assert Registration.objects.count() == 0


def test_a_form_not_stored_says_so_in_the_words_of_every_form(client: Client) -> None:
    page = client.post(URL, form_data(**{"persons-1-postcode": "56111"})).content.decode()
    assert banners(page) == [nothing_stored()]


def _years_back(years: int) -> str:
    """Today's date `years` years ago, as the pages write it (29 February: the 28th)."""
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day.strftime("%d-%m-%Y")


def test_an_incident_too_long_ago_is_refused_at_its_field_with_the_bound_and_kept_as_typed(
    client: Client, settings: Any
) -> None:
    """01-06-1900 10:00 was stored as the time of an incident: only a year outside 1900-2100 was refused.
    Now the incident lies at most so many years back (a setting), said with the bound at the field and in
    the summary; nothing is stored and what was typed stays."""
    unborn = {"persons-0-birth_date": "", "persons-1-birth_date": ""}
    response = client.post(URL, form_data(occurred_at="1900-06-01T10:00", **unborn))
    assert response.status_code == 422
    page = response.content.decode()
    said = _nl("cannot lie before %(bound)s: at most %(years)s years before its registration") % {
        "bound": _years_back(40),
        "years": 40,
    }
    error = page.split('data-testid="error-occurred_at"')[1].split("</div>")[0]
    assert said[:1].upper() + said[1:] in error
    assert said in dict(summary_links(page))["id_occurred_at"]
    assert 'value="1900-06-01T10:00"' in page
    assert Registration.objects.count() == 0
    settings.KETENZICHT_OCCURRED_MAX_YEARS = 10
    page = client.post(URL, form_data(occurred_at="2010-06-01T10:00", **unborn)).content.decode()
    said = _nl("cannot lie before %(bound)s: at most %(years)s years before its registration") % {
        "bound": _years_back(10),
        "years": 10,
    }
    assert said in dict(summary_links(page))["id_occurred_at"]
    assert Registration.objects.count() == 0


def test_an_incident_before_the_birth_of_a_person_named_says_which_person(client: Client) -> None:
    """Person 2 was born in May 1990 (the day unknown): an incident in 1988 cannot have been about her."""
    response = client.post(URL, form_data(occurred_at="1988-06-01T10:00"))
    assert response.status_code == 422
    page = response.content.decode()
    said = _nl("cannot lie before %(bound)s: %(person)s was not born yet") % {
        "bound": "01-05-1990",
        "person": _nl("Person %(n)s") % {"n": 2},
    }
    error = page.split('data-testid="error-occurred_at"')[1].split("</div>")[0]
    assert said[:1].upper() + said[1:] in error
    assert said in dict(summary_links(page))["id_occurred_at"]
    assert 'value="1988-06-01T10:00"' in page
    assert Registration.objects.count() == 0
    assert client.post(URL, form_data(occurred_at="1990-05-01T10:00")).status_code == 302


def test_a_date_of_birth_in_the_future_is_said_at_that_date_not_at_the_incident(client: Client) -> None:
    """A mistyped year of birth (2062 for 1962) was said first as an incident "before the birth" of the
    person, at the incident's time, which was right. It is said at the date of birth itself, once: neither
    the incident's time nor "after the incident" is held against it."""
    year = timezone.localdate().year + 2
    response = client.post(URL, form_data(**{"persons-1-birth_date": f"01-05-{year}"}))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="error-occurred_at"' not in page
    error = page.split('data-testid="error-persons-1-birth_date"')[1].split("</div>")[0]
    said = _nl("lies in the future: it cannot be later than today (%(bound)s)").split(":")[0]
    assert said[:1].upper() + said[1:] in error
    assert _nl("lies after the date of the incident") not in page
    assert [anchor for anchor, _text in summary_links(page)] == ["id_persons-1-birth_date"]
    assert Registration.objects.count() == 0


def test_a_bsn_failing_the_eleven_check_is_refused_at_its_field_and_a_valid_one_is_stored(
    client: Client,
) -> None:
    """A BSN typed with one wrong digit was stored without a word and only flagged on the registration's
    page afterwards: the form now says so at the field, in Dutch, and stores nothing until it is corrected
    or left empty."""
    response = client.post(URL, form_data(**{"persons-0-bsn": "1234 56 780"}))
    assert response.status_code == 422
    error = response.content.decode().split('data-testid="error-persons-0-bsn"')[1][:300]
    assert "123456780 voldoet niet aan de elfproef" in error
    assert Registration.objects.count() == 0
    assert PersonMention.objects.count() == 0
    stored = client.post(URL, form_data(**{"persons-0-bsn": "123456782"}))  # passes the 11-check
    assert stored.status_code == 302
    mention = PersonMention.objects.get(registration__reference="PL0600-FORM-1", ref="p1")
    assert (mention.bsn, mention.bsn_valid) == ("123456782", True)


def test_a_reference_of_another_registration_is_refused_at_its_field_and_nothing_is_stored(
    client: Client,
) -> None:
    """Typing over the new number a reference that another registration holds showed that registration with
    "was stored already", and what was typed was gone without a word: the form now says so at the field and
    keeps what was typed; the same content typed again stays "stored already"."""
    first = client.post(URL, form_data())
    assert first.status_code == 302
    other = form_data(kind="melding", **{"persons-0-surname": "Vries", "persons-0-surname_prefix": "de"})
    response = client.post(URL, other)
    assert response.status_code == 422
    page = response.content.decode()
    error = page.split('data-testid="error-reference"')[1][:400]
    assert "PL0600-FORM-1 hoort al bij een andere registratie" in error
    assert 'value="Vries"' in page
    assert Registration.objects.count() == 1
    assert list(Registration.objects.get().mentions.values_list("surname", flat=True)) == ["Berg", "Jansen"]
    assert FormSubmission.objects.count() == 1
