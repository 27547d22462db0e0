"""A ZSM file's final decisions that wait for Veilig Thuis's information are shown waiting, naming the
notification they wait for and since when, before the prosecutor fills them in; the steps allowed while
waiting (a route, a behaviour order) stay offered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.services import triage_choose
from ketenzicht.veiligthuis.models import Notification
from tests.prosecution.helpers import at_zsm, decision_post, send_to_zsm, vt_assessed

pytestmark = pytest.mark.django_db

FINAL = ("decide_dismissal", "decide_penalty_order", "decide_summons", "decide_conditions")


def _page(user: Any, pk: int) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("workprocesses:case-detail", args=[pk])).content.decode()


def _waiting(page: str, step: str) -> str:
    return page.split(f'data-testid="waiting-{step}">', 1)[1].split("</li>", 1)[0]


def test_decisions_waiting_for_veilig_thuis_say_so_before_they_are_filled_in(
    make_user: Any, eva: Any
) -> None:
    file = send_to_zsm(make_user)[0]  # ex-partners: domestic, Veilig Thuis notified and not assessed yet
    file.case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    assert not file.case.data.get("vt_information")
    notification = Notification.objects.select_related("organisation", "case").get(
        registration__in=file.case.registrations.all()
    )
    page = _page(eva, file.pk)
    received = f"{timezone.localtime(notification.received_at):%d-%m-%Y}"
    organisation, reference = notification.organisation.name, notification.case.reference
    expected = f"Wacht op {organisation} (melding {reference}, ontvangen {received})"
    for step in FINAL:
        assert f'data-testid="step-{step}"' not in page  # no form to fill in and be refused
        assert expected in _waiting(page, step)
    assert _waiting(page, "decide_dismissal").startswith("Seponeren: ")
    # What is allowed while waiting stays: the route and a behaviour order.
    assert reverse("prosecution:triage", args=[file.pk]) in page
    assert reverse("prosecution:order", args=[file.pk]) in page
    # Sent anyway (an old tab): refused in the same words.
    client = Client()
    client.force_login(eva)
    refused = decision_post(client, file, "decide_penalty_order", {"penalty": "boete"}, "snel", follow=True)
    assert expected in refused.content.decode()
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"
    # Veilig Thuis's information in: the decisions are forms again, nothing waits.
    vt_assessed(make_user, file)
    page = _page(eva, file.pk)
    assert 'data-testid="waiting-steps"' not in page
    for step in FINAL:
        assert f'data-testid="step-{step}"' in page


@override_settings(STALKING_COMPLAINT={"required": True, "months": 3, "articles": ["285b"]})
def test_decisions_waiting_for_the_complaint_say_until_when_it_can_come(make_user: Any, eva: Any) -> None:
    """Stalking reported without a complaint: a dismissal (for want of one) is offered; the decisions that
    need the complaint wait for it, with the last day it can be made."""
    file = at_zsm(make_user, eva, offences=["285b"], kind="melding")
    assert "complaint" not in file.case.data and file.complaint_due is not None
    page = _page(eva, file.pk)
    assert (
        'data-testid="step-decide_dismissal"' in page and 'data-testid="waiting-decide_dismissal"' not in page
    )
    for step in ("decide_penalty_order", "decide_summons", "decide_conditions"):
        assert f'data-testid="step-{step}"' not in page
        assert _waiting(page, step).endswith(
            "Wacht op de klacht van het slachtoffer (art. 285b Sr), die tot en met "
            f"{file.complaint_due:%d-%m-%Y} kan worden gedaan"
        )
