"""The Veilig Thuis desk in Chromium: the demo assessor opens the inbox from the start page, opens a
re-notification (its radar class and the earlier notification beside it), records acute unsafety on the
case page; the owner of the police case that notified it sees the alert and the feedback on that case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.organisations.models import User
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.services import case_assign_owner, case_take
from tests.patterns.helpers import BART, ILSE, take_in

# Synthetic people without an address: the registration's municipality ('s-Hertogenbosch) decides the
# Veilig Thuis region, Brabant-Noordoost, where the demo's `veiligthuis` works.


def _days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat(timespec="seconds")


def test_an_assessor_records_acute_unsafety_and_the_police_case_owner_is_alerted(
    live_server: Any, new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    [user] = [u for u in demo_users_ensure() if u.username == "veiligthuis"]
    assessor = User.objects.get(username="veiligthuis")
    # An earlier notification of the pair, handed over to the local team months ago.
    earlier = take_in(
        "PL0600-VT-1",
        BART,
        ILSE,
        registered_at=_days_ago(120),
        offences=["300"],
        municipality="GM0796",
        summary="Hij duwde haar tegen de muur tijdens een ruzie over de kinderen.",
    )
    first = Notification.objects.get(registration=earlier)
    assert first.organisation.code == "vt-brabant-noordoost"
    case_take(
        first.case,
        "hand_over_local",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "structural", "handed_to": "Sociaal wijkteam"},
        at=first.received_at + timedelta(days=2),
    )
    # Now he threatens her with a knife: the police notify again.
    latest = take_in(
        "PL0600-VT-2",
        BART,
        ILSE,
        registered_at=_days_ago(1),
        offences=["285"],
        municipality="GM0796",
        summary="Hij stond met een mes voor haar deur en dreigde haar iets aan te doen.",
    )
    notification = Notification.objects.select_related("police_case", "case").get(registration=latest)
    assert notification.police_case is not None, "intake put the registration on a police case"
    owner = User.objects.get(username="casusregisseur")
    if notification.police_case.owner_id != owner.pk:
        case_assign_owner(
            notification.police_case, owner=owner, actor=owner, expected_version=None, reason="Casusregie"
        )

    page = new_page()
    login(page, user.username, user.password)
    page.get_by_test_id("home-vt-inbox").click()
    row = page.get_by_test_id("inbox-row").filter(has_text=notification.case.reference)
    assert notification.radar_class in ("re_one", "re_several")  # a re-notification: the first has ended
    radar = row.get_by_test_id("inbox-radar").inner_text().strip()
    assert radar
    row.get_by_test_id("inbox-link").click()
    expect(page.get_by_test_id("vt-radar")).to_have_text(radar)  # the same class on the notification
    expect(page.get_by_test_id("vt-earlier-row")).to_have_count(1)
    expect(page.get_by_test_id("vt-earlier")).to_contain_text(first.case.reference)

    step = page.get_by_test_id("step-declare_acute")
    # The field's label comes from the process definition (Dutch there), not from the translations.
    step.get_by_label("Wat is direct gedaan").fill("Veiligheidsplan opgesteld; zij verblijft bij haar zus.")
    step.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Acuut onveilig, uitkomst nodig")

    police = new_page()
    login(police, owner.username, user.password)
    expect(police.get_by_test_id("menu-alerts")).to_be_visible()
    expect(police.get_by_test_id("home-alerts")).to_be_visible()
    police.get_by_test_id("menu-alerts").click()
    expect(police.locator("main")).to_contain_text(notification.police_case.reference)
    police.goto(f"{live_server.url}/zaken/{notification.police_case.pk}/")
    expect(police.get_by_test_id("case-alert-vt_acute")).to_be_visible()
    # The pair's police case holds both notifications: the earlier one's feedback, and this one's.
    feedback = police.get_by_test_id("vt-feedback").get_by_test_id("vt-feedback-row")
    expect(feedback).to_have_count(2)
    now = feedback.filter(has_text=notification.case.reference)
    expect(now.get_by_test_id("vt-feedback-unsafety")).to_have_text("Acute onveiligheid")  # process label
    before = feedback.filter(has_text=first.case.reference)
    expect(before.get_by_test_id("vt-feedback-unsafety")).to_have_text("Structurele onveiligheid")
