"""A breach is counted and listed only as far as its reader may see its registration, or the sharing rules
count it for them (`counted`): the police are told nothing of a breach in Veilig Thuis's own file, not on
the police case's panel, the measures list, the dossier's panel nor the measure's page and its history;
the district office, to which every breach of its measures is disclosed, sees both."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ketenzicht.measures.models import Breach
from tests.clients import signed_in
from tests.measures.helpers import couple_with_case, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def _counts(html: str, testid: str) -> list[str]:
    cells = re.findall(r'data-testid="breach-count">(.*?)</td>', _section(html, testid), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.fixture
def breached() -> dict[str, Any]:
    """Marco's restraining order protecting Lotte, broken twice: in a police report of his unit, and in
    Veilig Thuis's own file (a notification it registered itself, without a police unit)."""
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    police = take_in("PL0600-M-2", MARCO, LOTTE, registered_at=recent(0))
    own_file = take_in(
        "VT21-2026-000077", MARCO, LOTTE, registered_at=recent(0), source="veilig_thuis", kind="melding"
    )
    assert set(Breach.objects.values_list("registration_id", flat=True)) == {police.pk, own_file.pk}
    return {"measure": measure, "case": case, "marco": marco, "police": police, "own_file": own_file}


@pytest.mark.parametrize("role", ["case_owner", "case_screener", "team_lead"])
def test_the_police_count_and_see_no_breach_in_veilig_thuis_s_own_file(
    breached: dict[str, Any], make_user: Callable[..., Any], role: str
) -> None:
    measure, own_file = breached["measure"], breached["own_file"]
    client = signed_in(make_user(role))
    pages = {
        "case-measures": client.get(f"/zaken/{breached['case'].pk}/"),
        "measures": client.get("/maatregelen/"),
        "person-measures": client.get(f"/personen/{breached['marco'].pk}/?zaak={breached['case'].pk}"),
    }
    for testid, page in pages.items():
        assert page.status_code == 200, testid
        html = page.content.decode()
        assert _counts(html, testid) == ["1"], (role, testid)
        assert 'data-testid="breach-hidden"' not in html, (role, testid)
        assert own_file.reference not in html, (role, testid)
    html = client.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert len(re.findall(r'data-testid="breach"', html)) == 1
    assert breached["police"].reference in html and own_file.reference not in html
    assert "Veilig Thuis" not in html.split('id="breaches"', 1)[1]
    history = html.split('data-testid="measure-history"', 1)[1].split("</ul>", 1)[0]
    assert history.count("</li>") == 2  # registered, and the one breach the reader may know of
    from ketenzicht.measures.selectors import breach_counts_for_user

    counts = breach_counts_for_user(make_user(role, username=f"{role}-2"), [measure.pk])[measure.pk]
    assert (counts.seen, counts.hidden) == (1, 0)


def test_the_district_office_sees_both_breaches_disclosed_to_it(
    breached: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    measure = breached["measure"]
    client = signed_in(make_user("prosecutor", organisation="om-oost-brabant"))
    assert _counts(client.get("/maatregelen/").content.decode(), "measures") == ["2"]
    html = client.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert len(re.findall(r'data-testid="breach"', html)) == 2
    assert breached["police"].reference in html and breached["own_file"].reference in html


def test_a_breach_line_written_before_names_no_registration_the_reader_may_not_see(
    breached: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """A line written in the police case's history before the breach step left such breaches out (the
    words as they were written then) is left out for a reader who may not see its registration; the line
    of the breach in their own unit's report stays."""
    from django.utils import timezone

    from ketenzicht.measures.breaches import NOTE_BREACH
    from ketenzicht.measures.history import case_line
    from ketenzicht.measures.models import BreachKind

    case, measure, own_file = breached["case"], breached["measure"], breached["own_file"]
    params = {"measure": measure.reference, "registration": own_file.reference}
    case_line(
        case,
        note=NOTE_BREACH[BreachKind.CONTACT],
        params=params,
        actor=None,
        at=timezone.now(),
        registration=own_file.reference,
    )
    html = signed_in(make_user("case_owner")).get(f"/zaken/{case.pk}/").content.decode()
    assert own_file.reference not in html
    history = html.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert breached["police"].reference in history
