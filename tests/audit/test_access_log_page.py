"""The access log page shows privacy officers who looked at a registration, and offers no way to change it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import ketenzicht
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.selectors import action_choices
from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import User
from ketenzicht.registrations.services import registration_create
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db


def test_a_privacy_officer_sees_who_viewed_a_registration(make_user: Callable[..., Any]) -> None:
    registration = registration_create(
        actor=None, data=exchange_registration(), channel="import"
    ).registration
    screener = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    viewer = Client()
    viewer.force_login(screener)
    assert viewer.get(f"/registraties/{registration.pk}/").status_code == 200

    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    page = officer.get(f"/toegangslog/?object_type=registration&object_id={registration.pk}&action=view")
    assert page.status_code == 200
    rows = page.content.decode().split('data-testid="access-log"')[1]
    # Named, not coded: ingrid has no name set, so her username stands; her organisation by its name.
    assert ">ingrid<" in rows and "Politie eenheid Oost-Brabant" in rows and ">oost-brabant<" not in rows
    assert '<form method="post"' not in rows  # read-only: nothing to submit
    assert officer.post("/toegangslog/").status_code == 405


def test_the_log_names_a_registration_by_its_reference_and_finds_it_by_it(
    make_user: Callable[..., Any],
) -> None:
    """The log stores a registration by its id; the page names it by its reference (registered by the
    registrations app: audit imports nothing above it), old entries as much as new ones. An id nothing
    answers to (a refused look-up of a made-up one) and a reference a refused look-up stored stay as
    they are. The filter on the object takes the reference as the page shows it, or the id."""
    registration = registration_create(
        actor=None, data=exchange_registration(), channel="import"
    ).registration
    screener = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    for object_id in (registration.pk, 987654, "PL0600-2099-000001"):
        access_log_record(
            actor=screener, action="view", object_type="registration", object_id=object_id, result="refused"
        )
    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))

    def objects(query: str) -> list[str]:
        page = officer.get(f"/toegangslog/?result=refused&{query}")  # not the entry of its intake
        assert page.status_code == 200
        rows = page.content.decode().split('data-testid="access-log"')[1]
        return [cell.split("</td>", 1)[0] for cell in rows.split('data-testid="log-object">')[1:]]

    assert objects("object_type=registration") == [
        "registratie PL0600-2099-000001",
        "registratie 987654",
        f"registratie {registration.reference}",
    ]
    assert objects(f"object_id={registration.reference}") == [f"registratie {registration.reference}"]
    assert objects(f"object_id={registration.pk}") == [f"registratie {registration.reference}"]
    assert objects(f"object_type=case&object_id={registration.reference}") == []
    assert 'for="f-id">Object (kenmerk of id)</label>' in officer.get("/toegangslog/").content.decode()


def test_the_log_names_cases_files_notifications_measures_and_persons_as_the_pages_do(
    make_user: Callable[..., Any],
) -> None:
    """A case read "zaak 80", a measure "beschermingsmaatregel 1": the privacy officer knows them by the
    references the desks show, and finds them by those."""
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.workprocesses.services import case_open

    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft bellen",
        actor=None,
    )
    screener = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    for object_type, object_id in (
        ("case", case.pk),
        ("zsm_file", case.pk),
        ("person", 527),
        ("measure", 99),
    ):
        access_log_record(
            actor=screener, action="view", object_type=object_type, object_id=object_id, result="ok"
        )
    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))

    def objects(query: str) -> list[str]:
        page = officer.get(f"/toegangslog/?user=ingrid&{query}")
        assert page.status_code == 200
        rows = page.content.decode().split('data-testid="access-log"')[1]
        return [
            cell.split("</td>", 1)[0].split(" ", 1)[1] for cell in rows.split('data-testid="log-object">')[1:]
        ]

    assert objects("object_type=case") == [case.reference]
    assert objects("object_type=person") == ["P0000527"]
    assert objects("object_type=measure") == ["99"]  # no such measure: its id stays
    assert objects(f"object_id={case.reference}") == [case.reference]


def _logged_action_codes() -> set[str]:
    """Every action code the source passes as a string to a call's `action=` (the logging helpers'), but
    not argparse's (`store_true`, `append`)."""
    codes: set[str] = set()
    for path in Path(ketenzicht.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") != "add_argument":
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                        codes.add(str(keyword.value.value))
    return codes


def test_every_action_that_is_logged_can_be_filtered_on() -> None:
    choices = {code for code, _ in action_choices()}
    assert {"answer", "forward", "reopen", "view", "login"} <= choices
    assert _logged_action_codes() - choices == set()
    # Each choice reads differently: two actions with one Dutch word ("intrekken" twice) cannot be told apart.
    with translation.override("nl"):
        labels = [str(label) for _, label in action_choices()]
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    # And in words, not as its code ("judge" reads "beoordelen").
    with translation.override("nl"):
        assert [code for code, label in action_choices() if str(label) == code] == []


def test_an_answer_is_found_by_filtering_on_it(make_user: Callable[..., Any]) -> None:
    helper = make_user("victim_support", organisation="slachtofferhulp-nederland", username="hulp")
    User.objects.filter(pk=helper.pk).update(first_name="Sanne", last_name="de Boer")
    helper.refresh_from_db()
    access_log_record(actor=helper, action="answer", object_type="zsm_request", object_id=7, result="stored")
    access_log_record(actor=helper, action="view", object_type="zsm_request", object_id=7, result="shown")
    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    page = officer.get("/toegangslog/").content.decode()
    form = page[page.index('id="f-action"') : page.index("</select>", page.index('id="f-action"'))]
    assert '<option value="answer">antwoord</option>' in form
    rows = officer.get("/toegangslog/?action=answer").content.decode().split('data-testid="access-log"')[1]
    assert rows.count('data-testid="log-user"') == 1 and ">antwoord<" in rows
    assert "Sanne de Boer" in rows and 'title="hulp"' in rows and ">hulp<" not in rows
    assert "Slachtofferhulp Nederland" in rows and ">slachtofferhulp-nederland<" not in rows
    assert AccessLogEntry.objects.filter(action="answer").count() == 1


def test_the_user_filter_finds_a_user_by_name_as_well_as_by_username(make_user: Callable[..., Any]) -> None:
    def named(username: str, first: str, last: str) -> User:
        user: User = make_user("case_screener", organisation="oost-brabant", username=username)
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        user.refresh_from_db()
        return user

    sanne = named("sdeboer", "Sanne", "de Boer")
    named_alike = named("sboer", "Sander", "Boer")
    for user, object_id in ((sanne, 1), (named_alike, 2)):
        access_log_record(actor=user, action="view", object_type="case", object_id=object_id, result="shown")
    access_log_record(actor=None, action="rebuild", object_type="case", object_id=3, result="stored")
    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer", username="olga"))

    def found(text: str) -> list[str]:
        page = officer.get("/toegangslog/", {"actor": text, "object_type": "case"}).content.decode()
        rows = page.split('data-testid="access-log"')[1]
        return [cell.split("<", 1)[0] for cell in rows.split('data-testid="log-user"')[1:]]

    for text in ("sdeboer", "SDeBoer", "Sanne", "sanne", "de boer", "Sanne de Boer", "  sanne   DE boer "):
        assert found(text) == [' title="sdeboer">Sanne de Boer'], text
    assert found("Boer") == [' title="sboer">Sander Boer']  # a last name, not a part of one
    assert found("Sanne Boer") == [] and found("San") == []
    assert found("ketenzicht") == [
        ' title="system">Ketenzicht'
    ]  # what Ketenzicht did itself, as the page names it


def test_a_filter_that_finds_no_entry_says_so_and_offers_the_whole_log(make_user: Callable[..., Any]) -> None:
    """A filter without a match said "Geen regels." as if the log were empty, with no way back to it."""
    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    officer.cookies["django_language"] = "nl"
    empty = officer.get("/toegangslog/", {"object_id": "PL0600-GEEN"}).content.decode()
    said = empty.split('data-testid="no-entries">')[1].split("</td>")[0]
    assert "Geen regel past bij dit filter." in said
    assert 'href="/toegangslog/" data-testid="clear-filters">Alle regels tonen</a>' in said
