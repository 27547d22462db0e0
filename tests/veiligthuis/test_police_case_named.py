"""The notification's panel names the police case (where its feedback goes, who handed over what) only where
the user's organisation may see a registration of that case, as the feedback list decides
(`selectors.police_cases_seen`): not at the Veilig Thuis organisation that forwarded the notification
elsewhere, whose disclosure ended; still at the one it went to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import notification_forward
from tests.veiligthuis.test_handoff import VT, _client, _language_kept, _notify, _screened  # noqa: F401

pytestmark = pytest.mark.django_db


def _panel(client: Client, notification: Notification) -> str:
    page = client.get(reverse("workprocesses:case-detail", args=[notification.case_id]))
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('data-testid="vt-panel"')
    return html[start : html.index("</section>", start)]


def test_the_panel_names_the_police_case_only_to_an_organisation_that_may_see_a_registration_of_it(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=0)
    _notify(_client(screener), police)
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation=VT)
    # Before forwarding: the organisation notified sees the police case it came from.
    before = _panel(_client(assessor), notification)
    assert police.reference in before.split('data-testid="vt-police-case">', 1)[1].split("</dd>", 1)[0]
    assert f"Police case {police.reference}, handed over on" in before

    forwarded = notification_forward(
        notification,
        to=Organisation.objects.get(code="vt-amsterdam-amstelland"),
        actor=assessor,
        reason="slachtoffer woont in Amsterdam",
    )
    # The organisation that forwarded it no longer sees the registration: the police case is not named.
    after = _panel(_client(assessor), notification)
    assert police.reference not in after
    said = after.split('data-testid="vt-police-case">', 1)[1].split("</dd>", 1)[0]
    assert "not shown: your organisation may no longer see a registration of it" in said
    assert "Handed over by the police on" in after and "Police case" not in after.split("vt-handover", 1)[1]
    # The organisation it went to sees both.
    amsterdam = make_user("vt_assessor", organisation="vt-amsterdam-amstelland", username="vt-ams")
    theirs = _panel(_client(amsterdam), forwarded)
    assert police.reference in theirs.split('data-testid="vt-police-case">', 1)[1].split("</dd>", 1)[0]
    assert f"Police case {police.reference}, handed over on" in theirs
