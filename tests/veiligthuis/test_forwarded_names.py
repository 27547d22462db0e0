"""What a forwarded notification names, per field, to each side (`selectors.forwarded_from_for_user`,
`selectors.handoffs_named_for_user`): the organisation it came from by name, never that organisation's own
reference of its notification (another organisation's case); the police case only to an organisation that
may see a registration of it, in the panel and in the history's hand-off line alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import notification_forward
from tests.veiligthuis.test_handoff import PLAN, VT, _client, _language_kept, _notify, _screened  # noqa: F401

pytestmark = pytest.mark.django_db


def _page(user: Any, notification: Notification) -> str:
    page = _client(user).get(reverse("workprocesses:case-detail", args=[notification.case_id]))
    assert page.status_code == 200
    return page.content.decode()


def _history(html: str) -> str:
    start = html.index('data-testid="history"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)]))


@pytest.fixture
def forwarded(make_user: Callable[..., Any]) -> dict[str, Any]:
    police, screener = _screened(make_user, days_ago=0)
    _notify(_client(screener), police)
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation=VT)
    assert police.reference in _page(assessor, notification)  # before: its hand-off line names the case
    new = notification_forward(
        notification,
        to=Organisation.objects.get(code="vt-amsterdam-amstelland"),
        actor=assessor,
        reason="slachtoffer woont in Amsterdam",
    )
    return {"police": police, "sent": notification, "new": new, "assessor": assessor}


def test_the_organisation_that_forwarded_it_reads_its_hand_off_line_without_the_police_case(
    forwarded: dict[str, Any],
) -> None:
    html = _page(forwarded["assessor"], forwarded["sent"])
    assert forwarded["police"].reference not in html
    # What the police told stays in the line (a record), only the police case is left out.
    assert PLAN.rstrip(".") in _history(html)


def test_the_organisation_it_went_to_sees_who_forwarded_it_but_not_their_reference(
    forwarded: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    amsterdam = make_user("vt_assessor", organisation="vt-amsterdam-amstelland", username="vt-ams")
    html = _page(amsterdam, forwarded["new"])
    said = html.split('data-testid="vt-forwarded-from">', 1)[1].split("</dd>", 1)[0]
    assert said == "Veilig Thuis Brabant Noordoost"
    assert forwarded["sent"].case.reference not in html
    # The police case: a registration of it is disclosed to them, so it is named.
    assert forwarded["police"].reference in html


def test_a_team_lead_of_the_organisation_that_forwarded_it_sees_both_of_its_own(
    forwarded: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """Forwarded back: the notification the organisation forwarded is its own case, named to it."""
    back = notification_forward(
        forwarded["new"],
        to=Organisation.objects.get(code=VT),
        actor=make_user("vt_assessor", organisation="vt-amsterdam-amstelland", username="vt-ams"),
        reason="toch Den Bosch",
    )
    html = _page(forwarded["assessor"], back)
    said = html.split('data-testid="vt-forwarded-from">', 1)[1].split("</dd>", 1)[0]
    assert said == "Veilig Thuis Amsterdam-Amstelland"
    assert forwarded["new"].case.reference not in html  # Amsterdam's own notification
