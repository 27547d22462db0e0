"""The dossier's signals name each person of a signal with the person across: both sides of a pair, and
the other side of a rule about one person (repeated domestic violence against a victim, any suspect); and a
signal follows a merge of its person as the links do, keeping its id and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.linking.services import person_merge
from ketenzicht.patterns.models import Signal, SignalState
from ketenzicht.patterns.selectors import OtherPerson, person_signal_rows_for_user
from ketenzicht.patterns.services import signal_assess, signal_open
from tests.people import person_of

from .helpers import ILSE, LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
BROTHER = {"given_names": "Kees", "surname": "de Wit", "birth_date": "1986-02-11", "sex": "M"}
# Marco written with another first name and a wrong date of birth: no matcher joins these; a reviewer does.
MARK = {"given_names": "Mark", "surname": "Hendrikse", "birth_date": "1984-09-15", "sex": "M"}


@pytest.fixture
def screener(make_user: Callable[..., Any]) -> Any:
    return make_user("case_screener", organisation="oost-brabant")


def _repeated_domestic_violence() -> list[Any]:
    """Three domestic incidents against Lotte within a year: her ex-partner Marco twice, her brother once."""
    return [
        take_in("PL0600-H-1", MARCO, LOTTE, registered_at="2024-01-10T21:00:00+01:00", offences=["300"]),
        take_in(
            "PL0600-H-2",
            BROTHER,
            LOTTE,
            registered_at="2024-03-01T21:00:00+01:00",
            offences=["300"],
            relation="family",
        ),
        take_in("PL0600-H-3", MARCO, LOTTE, registered_at="2024-04-20T21:00:00+02:00", offences=["285"]),
    ]


def _row(user: Any, person: Any, rule: str) -> Any:
    rows = person_signal_rows_for_user(user=user, person_id=person.pk, purposed=True)
    (row,) = [row for row in rows if row.signal.rule == rule]
    return row


def test_repeated_domestic_violence_is_on_the_dossier_of_each_person_with_the_person_across(
    screener: Any,
) -> None:
    """The rule is about the victim (its subject has no suspect): the suspects' dossiers missed it, and the
    victim's named nobody across ("—")."""
    first, second, _third = _repeated_domestic_violence()
    marco, kees, lotte = person_of(first), person_of(second), person_of(first, "p2")
    signal = Signal.objects.get(rule="marac_repeat")
    assert (signal.suspect_id, signal.victim_id) == (None, lotte.pk)

    of_lotte = _row(screener, lotte, "marac_repeat")
    assert of_lotte.side == "victim"
    assert of_lotte.others == [OtherPerson(marco.pk, "Marco Hendriks"), OtherPerson(kees.pk, "Kees de Wit")]
    of_marco = _row(screener, marco, "marac_repeat")
    assert (of_marco.side, of_marco.others) == ("suspect", [OtherPerson(lotte.pk, "Lotte de Wit")])
    of_kees = _row(screener, kees, "marac_repeat")
    assert (of_kees.side, of_kees.others) == ("suspect", [OtherPerson(lotte.pk, "Lotte de Wit")])

    client = Client()
    client.force_login(screener)
    client.post(f"/personen/{marco.pk}/", PURPOSE)
    page = client.get(f"/personen/{marco.pk}/").content.decode()
    section = page.split('data-testid="slot-signals"', 1)[1].split("</section>", 1)[0]
    assert f'href="/personen/{lotte.pk}/" data-testid="signal-other">Lotte de Wit' in section
    assert f"/signalen/{signal.pk}/" in section  # his unit's signal: he may open it from there


def test_a_signal_follows_a_merge_of_its_person_with_its_id_and_history(screener: Any) -> None:
    marco_first = take_in("PL0600-M-0", MARCO, ILSE, registered_at="2024-01-06T09:12:00+01:00", relation=None)
    first = take_in("PL0600-M-1", MARK, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL0600-M-2", MARK, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    marco, mark, lotte = person_of(marco_first), person_of(first), person_of(first, "p2")
    assert marco != mark
    signal = Signal.objects.get(rule="possible_stalking")
    assert (signal.suspect_id, signal.victim_id) == (mark.pk, lotte.pk)
    signal_open(user=screener, pk=signal.pk, origin="web")
    signal_assess(user=screener, pk=signal.pk, note="Bekend bij de wijkagent.", origin="web")

    person_merge(source=mark, target=marco, actor=None, reason="review 1")

    followed = Signal.objects.get(rule="possible_stalking")
    assert followed.pk == signal.pk  # the same signal, not withdrawn and raised anew
    assert (followed.suspect_id, followed.victim_id) == (marco.pk, lotte.pk)
    assert followed.subject == f"possible_stalking:{marco.pk}:{lotte.pk}"
    assert followed.state == SignalState.ASSESSED
    assert [event.kind for event in followed.events.all()] == ["raised", "seen", "assessed"]
    assert not Signal.objects.filter(state=SignalState.CLOSED).exists()
    of_marco = _row(screener, marco, "possible_stalking")
    assert (of_marco.signal.pk, of_marco.side) == (signal.pk, "suspect")
    assert of_marco.others == [OtherPerson(lotte.pk, "Lotte de Wit")]
    of_lotte = _row(screener, lotte, "possible_stalking")
    assert of_lotte.others == [OtherPerson(marco.pk, "Mark Hendrikse")]  # as the registrations write him


def test_a_one_sided_signal_follows_a_merge_of_its_victim(screener: Any) -> None:
    registrations = _repeated_domestic_violence()
    lotte = person_of(registrations[0], "p2")
    elsewhere = take_in(
        "PL0600-H-9", BROTHER, {**LOTTE, "given_names": "Charlotte", "birth_date": "1989-10-30"},
        registered_at="2024-05-01T21:00:00+02:00", offences=["350"], relation="family",
    )  # fmt: skip
    charlotte = person_of(elsewhere, "p2")
    assert charlotte != lotte
    signal = Signal.objects.get(rule="marac_repeat")
    person_merge(source=lotte, target=charlotte, actor=None, reason="review 2")
    followed = Signal.objects.get(pk=signal.pk)
    assert (followed.suspect_id, followed.victim_id, followed.active) == (None, charlotte.pk, True)
    assert _row(screener, charlotte, "marac_repeat").side == "victim"
