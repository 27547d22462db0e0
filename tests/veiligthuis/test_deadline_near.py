"""The Veilig Thuis inbox marks a notification whose term ends before the end of the next working day
("termijn loopt bijna af"), in text, and filters on it, beside the overdue filter: only the organisation's
notifications, and the home page leads there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.veiligthuis.test_pages import SANNE

pytestmark = pytest.mark.django_db

NEAR = 'data-testid="deadline-near"'


def _deadline(notification: Notification, deadline: Any) -> None:
    Case.objects.filter(pk=notification.case_id).update(deadline_at=deadline)
    Notification.objects.filter(pk=notification.pk).update(deadline_at=deadline)


def _rows(page: str) -> list[str]:
    return [row.split("</tr>")[0] for row in page.split('data-testid="inbox-row"')[1:]]


def test_the_inbox_marks_a_term_that_ends_soon_and_filters_on_it(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-N-1", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=2)).isoformat())
    take_in("PL0600-N-2", MARCO, SANNE, registered_at=timezone.now().isoformat())
    soon, later = Notification.objects.order_by("case_id")
    _deadline(soon, timezone.now() + timedelta(hours=3))
    _deadline(later, timezone.now() + timedelta(days=20))
    lead = signed_in(make_user("team_lead", organisation="vt-brabant-noordoost"))
    page = lead.get("/veiligthuis/").content.decode()
    marked = [row for row in _rows(page) if NEAR in row]
    assert len(marked) == 1 and soon.case.reference in marked[0] and "termijn loopt bijna af" in marked[0]
    near = lead.get("/veiligthuis/", {"near": "on"}).content.decode()
    assert len(_rows(near)) == 1 and soon.case.reference in near and later.case.reference not in near
    assert 'name="near"' in near and "Alleen als de termijn bijna afloopt" in near
    # Another Veilig Thuis organisation neither sees nor counts them.
    other = signed_in(make_user("team_lead", organisation="vt-amsterdam-amstelland"))
    assert 'data-testid="inbox-empty"' in other.get("/veiligthuis/", {"near": "on"}).content.decode()
    # The home page leads to them, beside the notifications over their term.
    home = lead.get("/").content.decode()
    assert 'href="/veiligthuis/?near=on" data-testid="home-vt-near"' in home
    assert "Meldingen waarvan de termijn bijna afloopt" in home
