"""A police signal rests only on what the police may see or count (the sharing rules' `see` and `counted`,
`patterns.sight`): Veilig Thuis's own file about a pair never raises a signal, nor makes one more severe,
nor gives it a reason, at intake or over the whole register; Veilig Thuis's report to the police (made for
a police unit, which sees it) counts as before; a signal stored when detection rested on an own file is
withdrawn, never deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.patterns.models import CloseReason, Severity, Signal, SignalEvent, SignalState
from ketenzicht.patterns.services import signals_update
from ketenzicht.patterns.sight import detection_sight
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.sharing import kind_sight

from .helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

WAITING = "Hij wacht haar op bij haar werk en stond weer voor de deur."
DANGER = "Hij dreigde haar te vermoorden."


def police_threat(reference: str, registered_at: str) -> Any:
    return take_in(reference, MARCO, LOTTE, registered_at=registered_at)


def veilig_thuis(reference: str, registered_at: str, summary: str, *, report_to_police: bool = False) -> Any:
    """Veilig Thuis's registration of the pair, a threat (art. 285): its own file, or its report to the
    police of Oost-Brabant."""
    return take_in(
        reference, MARCO, LOTTE, registered_at=registered_at, source="veilig_thuis", kind="melding",
        summary=summary, report_to_police=report_to_police,
    )  # fmt: skip


def detect_again() -> None:
    call_command("detect_patterns", "--no-progress")


def reason_codes(signal: Signal) -> set[str]:
    return {reason["code"] for reason in signal.reasons}


def test_the_police_may_count_their_own_registrations_and_see_veilig_thuis_reports_made_for_a_unit() -> None:
    sight = detection_sight()
    assert sight.anywhere == {"politie"} and sight.own_unit == {"veilig_thuis"} and sight.left_out == ()
    assert sight.admits("politie", None) and sight.admits("politie", OrganisationKind.POLITIE)
    assert sight.admits("veilig_thuis", OrganisationKind.POLITIE)  # a report to the police
    assert not sight.admits("veilig_thuis", None)  # its own file
    assert not sight.admits("om", None) and not sight.admits("om", OrganisationKind.POLITIE)
    # Derived from the rules: Veilig Thuis's own region opens its own files to Veilig Thuis alone.
    vt = kind_sight(OrganisationKind.VEILIG_THUIS, [Role.VT_ASSESSOR])
    assert vt.anywhere == frozenset() and vt.left_out == ("vt-notified", "vt-own-region")


@pytest.mark.parametrize("detect", [False, True], ids=["at-intake", "detect-patterns"])
def test_a_veilig_thuis_own_file_raises_no_signal(detect: bool) -> None:
    """One police report and, seven weeks later, Veilig Thuis's own file of him waiting for her: together
    they would be possible stalking (two episodes, score 3.75 for an ex-partner); the police may count only
    the one report, so there is no signal, and no screening case's panel, list or alert to tell of it."""
    police_threat("PL0600-2024-000101", "2024-03-06T09:12:00+01:00")
    veilig_thuis("VT21-2024-000101", "2024-04-24T10:00:00+02:00", WAITING)
    if detect:
        detect_again()
    assert not Signal.objects.exists()


@pytest.mark.parametrize("detect", [False, True], ids=["at-intake", "detect-patterns"])
def test_a_veilig_thuis_own_file_makes_no_signal_more_severe_nor_gives_it_a_reason(detect: bool) -> None:
    """Two police threats are possible stalking (medium); Veilig Thuis's own file of a threat to kill would
    make it high, with the danger words as a reason, and raise an escalation. Not on what the police may not
    know: medium, two episodes, no danger words, no escalation."""
    police_threat("PL0600-2024-000111", "2024-03-06T09:12:00+01:00")
    police_threat("PL0600-2024-000112", "2024-04-10T10:00:00+02:00")
    own_file = veilig_thuis("VT21-2024-000111", "2024-05-20T10:00:00+02:00", DANGER)
    if detect:
        detect_again()
    signal = Signal.objects.get()
    assert signal.rule == "possible_stalking" and signal.severity == Severity.MEDIUM
    assert "danger_words" not in reason_codes(signal)
    assert next(r["value"] for r in signal.reasons if r["code"] == "episodes") == 2
    assert own_file.pk not in set(signal.registrations.values_list("pk", flat=True))
    assert signal.last_registration.reference == "PL0600-2024-000112"


@pytest.mark.parametrize("detect", [False, True], ids=["at-intake", "detect-patterns"])
def test_a_veilig_thuis_report_to_the_police_counts(detect: bool, make_user: Callable[..., Any]) -> None:
    """The same two registrations, Veilig Thuis's now its report to the police of Oost-Brabant (which its
    screeners see as their own unit's): the signal rests on both, and the unit sees both."""
    police_threat("PL0600-2024-000121", "2024-03-06T09:12:00+01:00")
    report = veilig_thuis("VT21-2024-000121", "2024-04-24T10:00:00+02:00", WAITING, report_to_police=True)
    assert report.unit is not None and report.unit.code == "oost-brabant"
    if detect:
        detect_again()
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.first_fired_registration_id == report.pk and "stalking_words" in reason_codes(signal)
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant"))
    body = client.get(f"/api/v1/signals/{signal.pk}").json()
    assert [r["reference"] for r in body["registrations"]] == ["PL0600-2024-000121", report.reference]
    assert body["registrations_not_shown"] == 0


@pytest.mark.parametrize("detect", [False, True], ids=["online-update", "detect-patterns"])
def test_a_signal_stored_on_a_veilig_thuis_own_file_is_withdrawn_not_deleted(detect: bool) -> None:
    """A signal stored before detection kept to what the police may count: its second registration is
    Veilig Thuis's own file (made so here in the register). Detecting again withdraws it, with its history."""
    police_threat("PL0600-2024-000131", "2024-03-06T09:12:00+01:00")
    second = police_threat("PL0600-2024-000132", "2024-04-24T10:00:00+02:00")
    signal = Signal.objects.get(rule="possible_stalking")
    Registration.objects.filter(pk=second.pk).update(source="veilig_thuis", unit=None)
    if detect:
        detect_again()
    else:
        pair = [p for p in (signal.suspect_id, signal.victim_id) if p is not None]
        signals_update(persons=pair)  # as after a merge, a split or a stored breach
    signal.refresh_from_db()
    assert not signal.active and signal.state == SignalState.CLOSED
    assert signal.closed_reason == CloseReason.WITHDRAWN
    assert list(signal.events.values_list("kind", flat=True)) == [
        SignalEvent.Kind.RAISED,
        SignalEvent.Kind.CLOSED,
    ]
