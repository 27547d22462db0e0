"""The screening queue's "choose all on this page" control: the team lead's, hidden until the page's own
script shows it, bound to the hand-over's check boxes and never sent itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.screening.test_desk import _three_cases

pytestmark = pytest.mark.django_db


def _page(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("screening:queue")).content.decode()


def test_the_team_lead_gets_the_control_and_the_screener_does_not(make_user: Callable[..., Any]) -> None:
    _three_cases()
    page = _page(make_user("team_lead", "case_screener"))
    before, after = page.split('data-testid="bulk-choose-all"')
    control = before.rsplit("<input", 1)[1]
    assert 'data-kz-select-all="cases"' in control and 'data-kz-form="bulk-form"' in control
    assert "name=" not in control and 'aria-label="Alle zaken op deze pagina kiezen"' in control
    assert after.split(">")[0].strip() == "hidden"
    assert '<script src="/static/ketenzicht/select-all.js" defer></script>' in page
    assert page.count('name="cases" value=') == 2  # the rows' check boxes, which the control ticks
    screener = _page(make_user("case_screener"))
    assert "bulk-choose-all" not in screener and "select-all.js" not in screener
