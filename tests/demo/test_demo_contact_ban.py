"""The `ex-partner-den-bosch` storyline's contact ban: registered in the demo before the breach, so that the
breaches are attributed to it on the measures desk, the pair's police case and their pattern signal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ketenzicht.demo.contact_ban import DEMO_BAN_TEXT
from ketenzicht.measures.models import Breach, Measure
from ketenzicht.organisations.models import User
from ketenzicht.patterns.models import Signal
from ketenzicht.registrations.models import PersonMention
from ketenzicht.workprocesses.models import Alert

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_contact_ban_binds_dennis_protects_sandra_and_has_the_storylines_breaches(
    capsys: Any,
) -> None:
    call_command("load_demo", "--force", "--registrations", "300")
    capsys.readouterr()
    [measure] = Measure.objects.filter(conditions_text=DEMO_BAN_TEXT)
    assert measure.kind == "behaviour_order" and measure.imposed_by == "prosecutor"
    assert measure.conditions == ["contact_ban"] and measure.prosecutor.username == "officier"  # type: ignore[union-attr]
    dennis = PersonMention.objects.filter(role="suspect", surname="Linden", birth_date_raw="1986-03-14")
    sandra = PersonMention.objects.filter(role="victim", surname="Verbeek", birth_date_raw="1988-09-02")
    assert measure.suspect_id == dennis.values_list("link__person_id", flat=True).first()
    assert list(measure.protected.values_list("pk", flat=True)) == [
        sandra.values_list("link__person_id", flat=True).first()
    ]
    assert measure.ends_on >= timezone.localdate()  # in force: the desk lists it without "show all"

    # Imposed before the breach: the breach of the contact ban, the knife threat and the arrest are its
    # breaches, each found as its registration came in.
    breaches = list(
        Breach.objects.filter(measure=measure).select_related("registration").order_by("occurred_on")
    )
    assert [b.registration.kind for b in breaches] == ["overtreding_maatregel", "aangifte", "incident"]
    assert breaches[0].kinds == ["contact", "reported"]
    assert measure.created_at.date() <= breaches[0].occurred_on
    assert all(b.detected_at == b.registration.registered_at for b in breaches)
    # Read back then: no alert of the history waits today.
    assert not Alert.objects.filter(kind="measure_breach", read_at__isnull=True).exists()

    # The pair's police case holds the breaches, and the pattern signal names the measure.
    police_case = measure.police_case
    assert police_case is not None and police_case.organisation.code == "oost-brabant"
    assert {b.registration_id for b in breaches} <= set(
        police_case.registrations.values_list("pk", flat=True)
    )
    signal = Signal.objects.get(rule="possible_stalking", suspect_id=measure.suspect_id)
    [breach_reason] = [reason for reason in signal.reasons if reason["code"] == "breach"]
    assert {b["measure"] for b in breach_reason["breaches"]} == {measure.reference}

    # The desks: the measures list of the prosecutor and of the case owner, the case page, the signal page.
    for username in ("officier", "casusregisseur"):
        assert measure.reference in _client(username).get("/maatregelen/").content.decode(), username
    page = _client("casusregisseur").get(f"/maatregelen/{measure.pk}/").content.decode()
    assert all(b.registration.reference in page for b in breaches)
    case_page = _client("casusregisseur").get(f"/zaken/{police_case.pk}/").content.decode()
    assert measure.reference in case_page
    signal_page = _client("casusregisseur").get(f"/signalen/{signal.pk}/").content.decode()
    assert f"contactverbod {measure.reference}" in signal_page

    call_command("load_demo", "--force", "--registrations", "300")  # again: no second measure or breach
    assert Measure.objects.filter(conditions_text=DEMO_BAN_TEXT).count() == 1
    assert Breach.objects.filter(measure=measure).count() == 3
