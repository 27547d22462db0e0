"""The inbox's "choose all on this page" control: offered to the team lead only, hidden until the page's own
script (served, not inline: the content security policy) shows it, and never sent with the hand-over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def test_select_all_is_offered_to_the_team_lead_only_as_a_control_the_script_shows(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-N-3", MARCO, LOTTE, registered_at=timezone.now().isoformat())
    lead = signed_in(make_user("team_lead", organisation="vt-brabant-noordoost")).get("/veiligthuis/")
    page = lead.content.decode()
    control = page.split('data-testid="bulk-choose-all"')[0].rsplit("<input", 1)[1]
    # Hidden until the page's own script (no inline script: the CSP) shows it; never sent with the form.
    assert 'data-kz-select-all="notifications"' in control and 'data-kz-form="bulk-form"' in control
    assert "name=" not in control and 'aria-label="Alle meldingen op deze pagina kiezen"' in control
    assert page.split('data-testid="bulk-choose-all"')[1].split(">")[0].strip() == "hidden"
    assert '<script src="/static/ketenzicht/select-all.js" defer></script>' in page
    assessor = signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost")).get("/veiligthuis/")
    assert "bulk-choose-all" not in assessor.content.decode()
    assert "select-all.js" not in assessor.content.decode()
