"""The screening queue and the case page mark a deadline that passes before the end of the next working
day ("termijn loopt bijna af"), in text, and the queue filters on it, counting only the unit's cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case
from tests.clients import signed_in
from tests.screening.test_desk import _three_cases

pytestmark = pytest.mark.django_db

NEAR = 'data-testid="deadline-near"'


def _deadline(screening_case: ScreeningCase, deadline: Any) -> None:
    Case.objects.filter(pk=screening_case.case_id).update(deadline_at=deadline)
    ScreeningCase.objects.filter(pk=screening_case.pk).update(deadline_at=deadline)


def _rows(page: str) -> list[str]:
    return [row.split("</tr>")[0] for row in page.split('data-testid="queue-row"')[1:]]


@pytest.fixture
def cases() -> dict[str, ScreeningCase]:
    """Anna's case passes in two hours (near), Lotte's in two weeks, Noor's (another unit) in an hour."""
    found = _three_cases()
    now = timezone.now()
    _deadline(found["Anna"], now + timedelta(hours=2))
    _deadline(found["Lotte"], now + timedelta(days=14))
    _deadline(found["Noor"], now + timedelta(hours=1))
    return found


def test_the_queue_marks_a_near_deadline_in_words_and_filters_on_it(
    make_user: Callable[..., Any], cases: dict[str, ScreeningCase]
) -> None:
    client = signed_in(make_user("case_screener"))
    page = client.get(reverse("screening:queue")).content.decode()
    rows = {cases[name].case.reference: name for name in cases}
    marked = [rows[ref] for row in _rows(page) for ref in rows if ref in row and NEAR in row]
    assert marked == ["Anna"]
    assert "termijn loopt bijna af" in page  # text, not only a colour
    assert 'name="near"' in page and "Alleen zaken waarvan de termijn bijna afloopt" in page
    near = client.get(reverse("screening:queue"), {"near": "on"}).content.decode()
    assert len(_rows(near)) == 1 and cases["Anna"].case.reference in near
    # The count is of the unit's cases only: Noor's near case of another unit is neither listed nor counted.
    assert cases["Noor"].case.reference not in near
    assert 'data-testid="queue-count">1 openstaande zaak<' in near
    # Overdue is not near: past its deadline, Anna's case leaves the near filter for the overdue one.
    _deadline(cases["Anna"], timezone.now() - timedelta(minutes=5))
    assert (
        'data-testid="queue-empty"' in client.get(reverse("screening:queue"), {"near": "on"}).content.decode()
    )
    overdue = client.get(reverse("screening:queue"), {"overdue": "on"}).content.decode()
    assert len(_rows(overdue)) == 1 and NEAR not in overdue and 'data-testid="overdue"' in overdue


def test_the_case_page_and_the_case_list_mark_the_near_deadline(
    make_user: Callable[..., Any], cases: dict[str, ScreeningCase]
) -> None:
    client = signed_in(make_user("case_screener"))
    anna = client.get(reverse("workprocesses:case-detail", args=[cases["Anna"].case_id])).content.decode()
    assert NEAR in anna and "termijn loopt bijna af" in anna
    lotte = client.get(reverse("workprocesses:case-detail", args=[cases["Lotte"].case_id])).content.decode()
    assert NEAR not in lotte
    listed = client.get(reverse("workprocesses:case-list"), {"bijna": "1"}).content.decode()
    assert cases["Anna"].case.reference in listed and cases["Lotte"].case.reference not in listed
    assert cases["Noor"].case.reference not in listed
    assert 'data-testid="show-near"' in client.get(reverse("workprocesses:case-list")).content.decode()


def test_the_home_page_leads_to_the_cases_due_soon(make_user: Callable[..., Any]) -> None:
    page = signed_in(make_user("case_screener")).get("/").content.decode()
    assert 'href="/screening/?near=on" data-testid="home-queue-near"' in page
