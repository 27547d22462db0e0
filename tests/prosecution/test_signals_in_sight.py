"""The ZSM file's panel names the pair's signals only as far as the prosecutor may see what they rest on
(the registrations disclosed to the office with the file): a signal resting on a registration they may not
see (another police unit's report, not in the file) would tell of it, so it is not named at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.patterns.models import Signal
from ketenzicht.prosecution.facts import counts_for_user
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import triage_for_reader, triage_refresh
from ketenzicht.workprocesses.services import case_take
from tests.measures.helpers import recent
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.prosecution.helpers import police_case_of, send_to_zsm

pytestmark = pytest.mark.django_db


def pair_line(prosecutor: Any, file: ZsmFile) -> str:
    client = Client()
    client.force_login(prosecutor)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    return page.split('data-testid="zsm-pair-history">', 1)[1].split("</p>", 1)[0]


def test_a_signal_resting_on_a_registration_the_prosecutor_may_not_see_is_not_named(
    make_user: Any, eva: Any
) -> None:
    """Marco's threat in Tilburg (Zeeland-West-Brabant) two months ago and his threat in Oost-Brabant now:
    possible stalking. Only Oost-Brabant's case goes to the office's ZSM table; Tilburg's report is not
    disclosed to it, so the panel names no signal."""
    take_in(
        "PL0900-ZSM-0", MARCO, LOTTE, registered_at=recent(60), unit="zeeland-west-brabant",
        municipality="GM0855",
    )  # fmt: skip
    file, _police_case = send_to_zsm(make_user)
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.active and (signal.suspect_id, signal.victim_id) == (file.suspect_id, file.victim_id)
    line = pair_line(eva, file)
    assert "Signalen over dit paar" not in line and "belaging" not in line.lower()
    assert "en die u mag inzien: 1." in line


def test_a_signal_resting_on_the_files_registrations_is_named(make_user: Any, eva: Any) -> None:
    """Both threats in Oost-Brabant, in one police case sent to ZSM: both disclosed with the file, so the
    prosecutor sees what the signal rests on and the panel names it."""
    first = take_in("PL0600-ZSM-0", MARCO, LOTTE, registered_at=recent(60))
    take_in("PL0600-ZSM-1", MARCO, LOTTE, registered_at=recent(1))
    police_case = police_case_of(first)
    assert police_case.registrations.count() == 2
    owner = make_user("case_owner", organisation="oost-brabant")
    police_case = case_take(police_case, "start_screening", actor=owner, expected_version=None)
    urgency = police_case.data.get("urgency_provisional") or "normal"
    police_case = case_take(
        police_case, "screened", actor=owner, expected_version=None, values={"urgency": urgency}
    )
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    file = ZsmFile.objects.get(police_case=police_case)
    assert Signal.objects.filter(rule="possible_stalking", active=True).exists()
    line = pair_line(eva, file)
    assert "Signalen over dit paar: Mogelijke belaging." in line


def test_the_triage_counts_no_signal_resting_on_what_its_readers_may_not_see(
    make_user: Any, eva: Any
) -> None:
    """The same signal as above (Tilburg's report not disclosed to the office): the triage's facts, kept for
    the office and shown to the prosecutor, hold no signal of the pair, so no reason names it."""
    take_in(
        "PL0900-ZSM-0", MARCO, LOTTE, registered_at=recent(60), unit="zeeland-west-brabant",
        municipality="GM0855",
    )  # fmt: skip
    file, _police_case = send_to_zsm(make_user)
    assert Signal.objects.filter(rule="possible_stalking", active=True).exists()
    kept = triage_refresh(file)
    assert not kept["facts"]["signals"]
    shown = triage_for_reader(file, counts_for_user(file, eva))
    assert not shown["facts"]["signals"] and "escalating_stalking" not in shown["reasons"]


def test_the_triage_counts_a_signal_resting_on_the_files_registrations(make_user: Any, eva: Any) -> None:
    first = take_in("PL0600-ZSM-0", MARCO, LOTTE, registered_at=recent(60))
    take_in("PL0600-ZSM-1", MARCO, LOTTE, registered_at=recent(1))
    police_case = police_case_of(first)
    owner = make_user("case_owner", organisation="oost-brabant")
    police_case = case_take(police_case, "start_screening", actor=owner, expected_version=None)
    urgency = police_case.data.get("urgency_provisional") or "normal"
    police_case = case_take(
        police_case, "screened", actor=owner, expected_version=None, values={"urgency": urgency}
    )
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    file = ZsmFile.objects.get(police_case=police_case)
    shown = triage_for_reader(file, counts_for_user(file, eva))
    assert "possible_stalking" in shown["facts"]["signals"]
