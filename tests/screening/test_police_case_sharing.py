"""Need-to-know on the police case page: of Veilig Thuis the police know the notifications their own case
sent and the feedback on them (their chain information), never Veilig Thuis's own files about the pair: no
reference, no count, not even "1 hidden" (sharing rules `counted`), in the registrations, the pair's history
and the case's history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_add_registrations
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def _at(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def _pair_with_veilig_thuis_files() -> tuple[Case, Notification, Any, Any]:
    """Marco and Lotte: two police reports in Oost-Brabant (each notified to Veilig Thuis Brabant Noordoost
    from the pair's police case), Veilig Thuis's own file about them in between (a knife named, so the
    screening's pre-answers would find it), and a report in Zeeland-West-Brabant, notified from that unit's
    own case."""
    first = take_in("PL0600-2026-000801", MARCO, LOTTE, registered_at=_at(20))
    own_file = take_in(
        "VT21-2026-000802", MARCO, LOTTE, registered_at=_at(15), source="veilig_thuis", kind="melding",
        offences=[], summary="Zij vertelt dat hij haar met een mes bedreigde.",
    )  # fmt: skip
    take_in("PL0600-2026-000803", MARCO, LOTTE, registered_at=_at(10), summary="Hij dreigde met een mes.")
    other_unit = take_in(
        "PL0900-2026-000804", MARCO, LOTTE, registered_at=_at(5), unit="zeeland-west-brabant",
        municipality="GM0855",
    )  # fmt: skip
    ours = Notification.objects.get(registration=first)
    assert ours.police_case is not None and ours.police_case.organisation.code == "oost-brabant"
    return ours.police_case, ours, own_file, other_unit


def _page(make_user: Callable[..., Any], path: str) -> str:
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant"))
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_police_case_page_shows_its_own_notifications_and_nothing_of_veilig_thuis_own_files(
    make_user: Callable[..., Any],
) -> None:
    case, ours, own_file, other_unit = _pair_with_veilig_thuis_files()
    page = _page(make_user, f"/zaken/{case.pk}/")
    # The notifications this case sent, with their state: the police's own chain information.
    feedback = page.split('data-testid="vt-feedback"', 1)[1].split("</section>", 1)[0]
    sent = Notification.objects.filter(police_case=case).values_list("case__reference", flat=True)
    assert ours.case.reference in feedback and all(reference in feedback for reference in sent)
    # Not the notification the other unit's case sent about the same pair.
    theirs = Notification.objects.get(registration=other_unit)
    assert theirs.police_case != case and theirs.case.reference not in page
    # Veilig Thuis's own file: no reference, no count, no "you may not see" anywhere on the page.
    assert own_file.reference not in page
    assert "pair-history-hidden" not in page and "case-hidden" not in page
    assert "hidden-veilig_thuis" not in page and "Veilig Thuis: 1" not in page
    assert "niet mag inzien" not in page and "niet mag zien" not in page
    # The pair's history (across units, under the case's purpose) lists the police registrations only.
    history = page.split('data-testid="pair-history"', 1)[1].split("</table>", 1)[0]
    assert history.count('data-testid="pair-history-row"') == 3 and other_unit.reference in history


def test_a_history_line_that_added_veilig_thuis_own_file_does_not_count_it(
    make_user: Callable[..., Any],
) -> None:
    """A "registration added" line names the registrations the reader may see and counts another police
    unit's; another organisation's file on it is not mentioned ("1 registration you may not see")."""
    case, _ours, own_file, _other = _pair_with_veilig_thuis_files()
    case_add_registrations(case, [own_file], actor=None)
    page = _page(make_user, f"/zaken/{case.pk}/")
    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "Registratie toegevoegd" in history
    assert own_file.reference not in page and "die u niet mag zien" not in history
    assert "case-hidden" not in page and "Veilig Thuis: 1" not in page
