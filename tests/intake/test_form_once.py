"""A registration form is stored once: sent again (Back, a reload, a double click) it stores nothing new and
the registrar lands on the registration stored with it (its one-time token, `intake.form_tokens`)."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from ketenzicht.intake import pipeline
from ketenzicht.intake.models import FormSubmission
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.registrations.services import RegistrationInvalid
from ketenzicht.workprocesses.models import Case
from tests.conftest import exchange_registration
from tests.intake.test_registration_form import form_data
from tests.linking.test_link_turn import ONLY_POSTGRESQL, step_after_link

URL = "/registraties/nieuw/"
STORED_ALREADY = (
    "This form was stored already, as registration %(ref)s. Nothing new was stored and the registration was "
    "not changed."
)
NO_TOKEN = "The form was not stored: it came without its form number. Check it and store it again."


def _nl(msgid: str) -> str:
    """The text the pages show for `msgid` (whatever the Dutch translations are now)."""
    with translation.override("nl"):
        return translation.gettext(msgid)


@pytest.fixture
def client(registrar: Any) -> Client:
    c = Client()
    c.force_login(registrar)
    return c


def _input(page: str, name: str) -> str | None:
    """The value of the form's input `name` as the page fills it in (None: no such input)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _open(client: Client, address: str = URL) -> tuple[str, dict[str, str]]:
    """Load the form as the browser does (the menu's address, or the address it is on): the address it
    ends on, and what the page fills in itself (the reference, and the form's token when it has one)."""
    response = client.get(address, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    filled = {"reference": _input(page, "reference") or ""}
    token = _input(page, "form_token")
    if token is not None:
        filled["form_token"] = token
    return response.request["PATH_INFO"] + (
        f"?{response.request['QUERY_STRING']}" if response.request.get("QUERY_STRING") else ""
    ), filled


def _typed(**overrides: str) -> dict[str, Any]:
    """What the registrar typed: the form without the fields the page fills in itself."""
    data = form_data(**overrides)
    del data["form_token"], data["reference"]
    return data


def test_back_after_storing_shows_the_same_form_and_storing_again_stores_nothing_new(client: Client) -> None:
    address, filled = _open(client)
    first = client.post(address, {**_typed(), **filled})
    assert first.status_code == 302
    registration = Registration.objects.get()
    assert registration.reference == filled["reference"]
    cases, mentions = Case.objects.count(), PersonMention.objects.count()

    # Back: the browser loads the form's address again and fills in what was typed (here with a typo fixed).
    again_address, again_filled = _open(client, address)
    assert again_filled == filled  # the same reference and token, not a fresh form
    page = client.get(again_address).content.decode()
    assert 'data-testid="form-stored"' in page and registration.reference in page
    second = client.post(
        again_address, {**_typed(summary="Ex-partner stond weer voor de deur (typo)."), **filled}
    )

    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Registration.objects.count() == 1
    assert (Case.objects.count(), PersonMention.objects.count()) == (cases, mentions)
    registration.refresh_from_db()
    assert registration.summary == "Ex-partner stond weer voor de deur."  # not changed either
    texts = [str(m) for m in get_messages(second.wsgi_request)]
    assert texts == [_nl(STORED_ALREADY) % {"ref": registration.reference}]


def test_back_to_a_stored_form_after_logging_in_again_still_finds_it(client: Client, registrar: Any) -> None:
    address, filled = _open(client)
    client.post(address, {**_typed(), **filled})
    client.logout()  # a new session: it knows no form token
    client.force_login(registrar)
    again_address, again_filled = _open(client, address)
    assert (again_address, again_filled) == (address, filled)
    assert client.post(again_address, {**_typed(), **filled}).status_code == 302
    assert Registration.objects.count() == 1


def test_the_same_form_sent_with_another_reference_is_still_stored_once(client: Client) -> None:
    address, filled = _open(client)
    assert client.post(address, {**_typed(), **filled}).status_code == 302
    # The reference typed over before sending it again: the form's token still finds the first.
    again = client.post(address, {**_typed(), **filled, "reference": "PL0600-EIGEN-7"})
    assert again.status_code == 302
    assert list(Registration.objects.values_list("reference", flat=True)) == [filled["reference"]]


def test_each_new_form_is_a_form_of_its_own(client: Client) -> None:
    first_address, first = _open(client)
    second_address, second = _open(client)
    assert first_address != second_address
    assert first["reference"] != second["reference"] and first["form_token"] != second["form_token"]
    client.post(first_address, {**_typed(), **first})
    client.post(second_address, {**_typed(), **second})
    assert Registration.objects.count() == 2


def test_a_form_without_its_token_stores_nothing_and_comes_back_with_one(client: Client) -> None:
    data = form_data()
    del data["form_token"]
    refused = client.post(URL, data)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert _nl(NO_TOKEN) in page and not Registration.objects.exists()
    token = _input(page, "form_token")
    assert token
    assert _input(page, "persons-0-surname") == "Berg"  # what was typed is kept
    assert client.post(URL, {**data, "form_token": token}).status_code == 302
    assert Registration.objects.count() == 1


def test_a_refused_form_keeps_no_claim_and_is_stored_once_corrected(registrar: Any) -> None:
    token = "a-form-token-of-the-test"
    bad = exchange_registration(reference="PL0600-ONCE-1")
    bad["persons"][0]["birth_date"] = "1985-13-01"
    with pytest.raises(RegistrationInvalid):
        pipeline.intake_form_registration(actor=registrar, data=bad, token=token)
    assert not FormSubmission.objects.exists() and not Registration.objects.exists()
    good = exchange_registration(reference="PL0600-ONCE-1")
    stored = pipeline.intake_form_registration(actor=registrar, data=good, token=token)
    again = pipeline.intake_form_registration(
        actor=registrar, data=exchange_registration(reference="PL0600-ONCE-2"), token=token
    )
    assert (stored.created, stored.repeated) == (True, False)
    assert (again.created, again.repeated, again.registration) == (False, True, stored.registration)
    assert list(Registration.objects.values_list("reference", flat=True)) == ["PL0600-ONCE-1"]


def test_another_users_form_token_is_another_form(registrar: Any, make_user: Any) -> None:
    colleague = make_user("police_registrar", organisation="oost-brabant")
    token = "one-token-two-registrars"
    pipeline.intake_form_registration(
        actor=registrar, data=exchange_registration(reference="PL0600-A"), token=token
    )
    theirs = pipeline.intake_form_registration(
        actor=colleague, data=exchange_registration(reference="PL0600-B"), token=token
    )
    assert theirs.created and not theirs.repeated


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason=ONLY_POSTGRESQL)
def test_a_double_click_stores_once(registrar: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sends of one form at once (a double click; the second with the reference typed over): the second
    waits for the first at the form's claim and finds its registration."""
    stored_uncommitted, second_started = threading.Event(), threading.Event()

    def hold_the_first(batch: list[pipeline.IntakeContext]) -> None:
        if threading.current_thread().name == "first":
            stored_uncommitted.set()
            assert second_started.wait(10)
            time.sleep(1.0)

    step_after_link(monkeypatch, hold_the_first)
    outcome: dict[str, Any] = {}

    def send(reference: str) -> None:
        name = threading.current_thread().name
        try:
            if name == "second":
                second_started.set()
            outcome[name] = pipeline.intake_form_registration(
                actor=registrar, data=exchange_registration(reference=reference), token="double-click-token"
            )
        except BaseException as error:
            outcome[f"{name}_error"] = error
            stored_uncommitted.set()
        finally:
            connection.close()

    one = threading.Thread(target=send, args=("PL0600-CLICK-1",), name="first")
    one.start()
    assert stored_uncommitted.wait(20)
    two = threading.Thread(target=send, args=("PL0600-CLICK-2",), name="second")
    two.start()
    one.join(30)
    two.join(30)

    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    assert outcome["first"].created and outcome["second"].repeated
    assert outcome["second"].registration.pk == outcome["first"].registration.pk
    assert list(Registration.objects.values_list("reference", flat=True)) == ["PL0600-CLICK-1"]


def test_a_new_form_suggests_the_next_number_of_the_registers_numbering(client: Client) -> None:
    """Each empty form: its own number in the unit's numbering of the register ("PL0600-2026-000012"), above
    the registrations of that series stored already; going back to the form keeps its number."""
    year = timezone.localdate().year
    pipeline.intake_registration(
        actor=None,
        data=exchange_registration(
            reference=f"PL0600-{year}-000011", registered_at=f"{year}-01-02T09:00:00+01:00"
        ),
        channel="import",
    )
    first_address, first = _open(client)
    _second_address, second = _open(client)
    assert (first["reference"], second["reference"]) == (f"PL0600-{year}-000012", f"PL0600-{year}-000013")
    _again_address, again = _open(client, first_address)
    assert again["reference"] == first["reference"]
