"""Veilig Thuis's closing steps: a step that ends its involvement is refused while the unsafety it records is
acute, pointing to the steps that fit; a step that changes the unsafety an earlier one recorded says so in
its history line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"  # 's-Hertogenbosch
CONDITIONS = {"unsafety": "structural", "safety_conditions": "Geen contact met het slachtoffer."}


def _notification(reference: str) -> Notification:
    take_in(reference, MARCO, LOTTE, registered_at=timezone.now().isoformat())
    return Notification.objects.select_related("case", "police_case").get()


def test_ending_the_involvement_with_acute_unsafety_is_refused_and_nothing_is_stored(
    make_user: Callable[..., Any],
) -> None:
    """The walk: after conditions were agreed (structural unsafety), "Betrokkenheid beëindigen" accepted acute
    unsafety: the case closed as acute, the structural unsafety was overwritten, and the police case owner
    was told to act now while Veilig Thuis closed."""
    notification = _notification("PL0600-VTC-1")
    case = notification.case
    assessor = make_user("vt_assessor", organisation=VT)
    case_take(case, "agree_conditions", actor=assessor, expected_version=None, values=CONDITIONS)
    with translation.override("en"), pytest.raises(Refused) as refused:
        case_take(
            case, "end_involvement", actor=assessor, expected_version=None, values={"unsafety": "acute"},
            reason="asdf",
        )  # fmt: skip
    assert (refused.value.code, refused.value.detail) == ("desk", "unsafety")
    # Said why, at the field, pointing to the step that fits from monitoring.
    assert "Acute unsafety asks for action" in refused.value.said
    assert "(“Request to the Child Protection Board”)" in refused.value.said
    assert "End involvement" not in refused.value.said
    case.refresh_from_db()
    notification.refresh_from_db()
    assert (case.state, case.closed_at, case.data["unsafety"], case.data["outcome"]) == (
        "monitoring", None, "structural", "conditions",
    )  # fmt: skip
    assert (notification.unsafety, notification.closed_at) == ("structural", None)
    assert not Alert.objects.filter(kind="vt_acute").exists()
    assert not case.events.filter(transition="end_involvement").exists()
    # What it found, if not acute, closes it.
    case_take(
        case, "end_involvement", actor=assessor, expected_version=None, values={"unsafety": "structural"},
        reason="afspraken nagekomen",
    )  # fmt: skip
    case.refresh_from_db()
    assert case.state == "closed"


def test_handing_over_with_acute_unsafety_is_refused_naming_the_steps_that_act(
    make_user: Callable[..., Any],
) -> None:
    case = _notification("PL0600-VTC-2").case
    assessor = make_user("vt_assessor", organisation=VT)
    with translation.override("en"), pytest.raises(Refused) as refused:
        case_take(
            case, "hand_over_local", actor=assessor, expected_version=None,
            values={"unsafety": "acute", "handed_to": "Sociaal wijkteam"},
        )  # fmt: skip
    assert (refused.value.code, refused.value.detail) == ("desk", "unsafety")
    for step in (
        "Record acute unsafety",
        "Start own investigation",
        "Agree conditions and follow-up",
        "Request to the Child Protection Board",
    ):
        assert f"“{step}”" in refused.value.said
    assert "Hand over" not in refused.value.said
    assert "Forward" not in refused.value.said  # forwarding records no unsafety
    case.refresh_from_db()
    assert (case.state, case.data.get("unsafety")) == ("received", None)
    # A step that acts on acute unsafety and closes the case is not an end of involvement.
    case_take(
        case, "request_child_protection", actor=assessor, expected_version=None, values={"unsafety": "acute"},
        reason="kinderen in gevaar",
    )  # fmt: skip
    case.refresh_from_db()
    assert (case.state, case.data["outcome"]) == ("closed", "child_protection")


def test_the_case_page_marks_the_unsafety_field_with_the_refusal(make_user: Callable[..., Any]) -> None:
    case = _notification("PL0600-VTC-3").case
    assessor = make_user("vt_assessor", organisation=VT)
    client = Client()
    client.force_login(assessor)
    refused = client.post(
        f"/zaken/{case.pk}/actie/",
        {
            "action": "take",
            "transition": "end_involvement",
            "step-end_involvement-lock_version": case.lock_version,
            "step-end_involvement-value_unsafety": "acute",
            "step-end_involvement-reason": "asdf",
            "step-end_involvement-confirm_final": "on",
        },
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    error = re.search(r'data-testid="error-step-end_involvement-value_unsafety">([^<]*)<', page)
    assert error is not None  # the words at the field, with the steps that fit
    said = error.group(1)
    assert said.startswith("Acute onveiligheid vraagt om handelen, niet om het beëindigen")
    assert "“Eigen onderzoek starten”" in said and "“Acute onveiligheid vastleggen”" in said
    case.refresh_from_db()
    assert case.state == "received" and case.events.filter(transition="end_involvement").count() == 0


def test_a_step_that_changes_the_recorded_unsafety_says_so_in_its_history_line(
    make_user: Callable[..., Any],
) -> None:
    case = _notification("PL0600-VTC-4").case
    assessor = make_user("vt_assessor", organisation=VT)
    case_take(
        case, "start_investigation", actor=assessor, expected_version=None, values={"unsafety": "structural"}
    )
    case_take(
        case, "agree_conditions", actor=assessor, expected_version=None,
        values={"unsafety": "acute", "safety_conditions": "Slachtoffer in de opvang."},
    )  # fmt: skip
    line = case.events.get(transition="agree_conditions")
    assert line.detail["unsafety_changed"] == {"from": "structural", "to": "acute"}
    assert "Structurele onveiligheid" in line.detail["desk_note"]
    assert "Acute onveiligheid" in line.detail["desk_note"]
    assert (
        line.detail["desk_note"]
        == "Onveiligheid gewijzigd van Structurele onveiligheid naar Acute onveiligheid"
    )
    client = Client()
    client.force_login(assessor)
    page = client.get(f"/zaken/{case.pk}/").content.decode()
    assert line.detail["desk_note"] in page  # shown in the history
    # Recorded the same again: nothing changed, nothing said.
    case_take(
        case, "request_child_protection", actor=assessor, expected_version=None, values={"unsafety": "acute"},
        reason="kinderen in gevaar",
    )  # fmt: skip
    assert "unsafety_changed" not in case.events.get(transition="request_child_protection").detail
    # The first unsafety recorded changes nothing.
    assert "unsafety_changed" not in case.events.get(transition="start_investigation").detail
