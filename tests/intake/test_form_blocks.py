"""The registration form's persons and relations can be removed again, by a button of the form itself (no
script needed): the page comes back without that block, everything else as it was typed, nothing stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from ketenzicht.registrations.models import MentionRelation, Registration

from .formpage import sent
from .test_registration_form import URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(registrar: Any) -> Client:
    c = Client()
    c.force_login(registrar)
    return c


def three_persons(**overrides: str) -> dict[str, Any]:
    """Berg (suspect) and Jansen (victim), ex-partners, and a witness added: Vries, Berg's brother."""
    return form_data(
        **{
            "persons-TOTAL_FORMS": "3",
            "persons-2-role": "witness",
            "persons-2-given_names": "Pieter",
            "persons-2-surname": "Vries",
            "persons-2-phone": "0612345678",
            "relations-TOTAL_FORMS": "2",
            "relations-1-from_ref": "p3",
            "relations-1-kind": "family",
            "relations-1-to_ref": "p1",
            **overrides,
        }
    )


def test_each_person_and_relation_has_a_button_that_removes_it(client: Client) -> None:
    page = client.get(URL, follow=True).content.decode()
    for name, index in (("remove_person", 0), ("remove_person", 1), ("remove_relation", 0)):
        assert re.search(rf'<button type="submit" name="{name}" value="{index}"[^>]*>Verwijder deze', page)
    added = client.get("/registraties/nieuw/persoon/?index=2").content.decode()
    assert 'name="remove_person" value="2"' in added and "Verwijder deze persoon" in added
    added = client.get("/registraties/nieuw/relatie/?index=1").content.decode()
    assert 'name="remove_relation" value="1"' in added and "Verwijder deze relatie" in added


def test_enter_in_a_field_still_stores_the_form(client: Client) -> None:
    """A browser presses a form's first submit button on Enter: that must not be a Remove button."""
    page = client.get(URL, follow=True).content.decode()
    form = page.split('<form method="post" class="kz-form"')[1]
    first = re.search(r"<button [^>]*type=\"submit\"[^>]*>", form)
    assert first is not None and "name=" not in first.group(0)


def test_a_removed_person_leaves_the_rest_as_typed_and_the_relations_follow_their_persons(
    client: Client,
) -> None:
    # Jansen is removed (person 2); the relation between Vries and Berg stays between them: Vries is now p2.
    data = three_persons(**{"relations-0-kind": "", "relations-0-to_ref": "p1", "relations-0-from_ref": ""})
    response = client.post(URL, {**data, "remove_person": "1"})
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    page = response.content.decode()
    assert 'data-testid="form-notice"' in page and 'data-testid="form-errors"' not in page
    assert "Persoon 2 is verwijderd; de personen daarna zijn een nummer opgeschoven." in page
    form = sent(page)
    assert form["persons-TOTAL_FORMS"] == "2"
    assert (form["persons-0-surname"], form["persons-1-surname"]) == ("Berg", "Vries")
    assert (form["persons-1-role"], form["persons-1-phone"]) == ("witness", "0612345678")
    assert "Jansen" not in page
    assert (form["relations-1-from_ref"], form["relations-1-kind"], form["relations-1-to_ref"]) == (
        "p2",
        "family",
        "p1",
    )
    assert form["relations-0-to_ref"] == "p1"  # before the removed person: unchanged
    # the registration's own fields as typed
    assert form["reference"] == "PL0600-FORM-1" and form["municipality"] == "GM0796"
    assert form["occurred_at"] == "2026-11-20T21:40" and sorted(form["offences"]) == ["285", "350"]
    assert form["summary"] == "Ex-partner stond weer voor de deur."
    assert form["form_token"] == data["form_token"]
    # the relation rows name the persons by their new numbers
    assert ">Persoon 2: Pieter Vries (getuige)</option>" in page

    # stored as it now stands, without another word: Vries is Berg's family
    form["relations-0-from_ref"] = "p1"
    form["relations-0-kind"] = ""
    form["relations-0-to_ref"] = "p2"
    stored = client.post(URL, form)
    assert stored.status_code == 302
    registration = Registration.objects.get()
    assert sorted(registration.mentions.values_list("surname", flat=True)) == ["Berg", "Vries"]
    relation = MentionRelation.objects.get()
    assert (relation.from_mention.surname, relation.kind, relation.to_mention.surname) == (
        "Vries",
        "family",
        "Berg",
    )


def test_a_person_a_relation_names_is_not_removed_and_that_relation_says_why(client: Client) -> None:
    response = client.post(URL, {**three_persons(), "remove_person": "0"})  # Berg: in both relations
    assert response.status_code == 422
    page = response.content.decode()
    form = sent(page)
    assert [form[f"persons-{i}-surname"] for i in range(3)] == ["Berg", "Jansen", "Vries"]
    assert (form["relations-0-from_ref"], form["relations-1-to_ref"]) == ("p1", "p1")
    for field in ("relations-0-from_ref", "relations-1-to_ref"):
        error = page.split(f'data-testid="error-{field}"')[1].split("</div>")[0]
        assert "Deze relatie noemt persoon 1, die u wilde verwijderen." in error
    summary = page.split('data-testid="form-errors"')[1].split("</div>")[0]
    assert "Persoon 1 is niet verwijderd: een relatie noemt deze persoon." in summary
    assert 'href="#id_relations-0-from_ref"' in summary and 'href="#id_relations-1-to_ref"' in summary
    assert 'data-testid="error-persons' not in page  # nothing else checked
    assert Registration.objects.count() == 0


def test_the_relation_row_the_form_opens_with_does_not_keep_a_person(client: Client) -> None:
    """Left as it opened (person 1 to person 2, no kind) it gives nothing: removing person 2 empties it."""
    page = client.post(URL, {**form_data(**{"relations-0-kind": ""}), "remove_person": "1"}).content.decode()
    form = sent(page)
    assert form["persons-TOTAL_FORMS"] == "1" and form["persons-0-surname"] == "Berg"
    assert (form["relations-0-from_ref"], form["relations-0-to_ref"]) == ("", "")
    assert client.post(URL, form).status_code == 302
    assert list(Registration.objects.get().mentions.values_list("surname", flat=True)) == ["Berg"]
    assert not MentionRelation.objects.exists()


def test_an_added_person_left_as_it_opened_is_still_no_person_after_a_removal(client: Client) -> None:
    data = form_data(**{"persons-TOTAL_FORMS": "3", "persons-2-role": "suspect", "relations-0-kind": ""})
    data.update({"relations-0-from_ref": "", "relations-0-to_ref": ""})
    page = client.post(URL, {**data, "remove_person": "1"}).content.decode()
    form = sent(page)
    assert form["persons-1-role"] == "victim"  # as person 2 opens
    stored = client.post(URL, form)
    assert stored.status_code == 302
    assert list(Registration.objects.get().mentions.values_list("surname", flat=True)) == ["Berg"]


def test_a_removed_relation_leaves_the_others_and_the_persons(client: Client) -> None:
    response = client.post(URL, {**three_persons(), "remove_relation": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Relatie 1 is verwijderd" in page.split('data-testid="form-notice"')[1][:300]
    form = sent(page)
    assert form["relations-TOTAL_FORMS"] == "1"
    assert (form["relations-0-from_ref"], form["relations-0-kind"], form["relations-0-to_ref"]) == (
        "p3",
        "family",
        "p1",
    )
    assert [form[f"persons-{i}-surname"] for i in range(3)] == ["Berg", "Jansen", "Vries"]
    assert Registration.objects.count() == 0
    assert client.post(URL, form).status_code == 302
    assert MentionRelation.objects.get().kind == "family"
