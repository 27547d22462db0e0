"""Intake notifies a registration to the Veilig Thuis organisation the police's hand-off of its case would go
to: unless the children decide, by the victim's most recent municipality among the registrations of its
police case registered up to it (`facts.victim_route`, one rule for both), not by where it happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.intake.pipeline import intake_registrations
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import handoff_target
from ketenzicht.workprocesses.models import Case
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

NOORDOOST, MIDDEN_WEST = "vt-brabant-noordoost", "vt-midden-en-west-brabant"
OSS, TILBURG = "GM0828", "GM0855"


def _in_oss() -> dict[str, Any]:
    return {**LOTTE, "address": {"postcode": "5341 AB", "house_number": "3", "municipality": OSS}}


def _no_address() -> dict[str, Any]:
    return {k: v for k, v in LOTTE.items() if k != "address"}


def _line(reference: str, victim: dict[str, Any], *, days_ago: int, municipality: str) -> dict[str, Any]:
    at = (timezone.now() - timedelta(days=days_ago)).isoformat()
    return exchange_registration(
        reference=in_numbering(reference, municipality=municipality),
        persons=[{"ref": "p1", "role": "suspect", **MARCO}, {"ref": "p2", "role": "victim", **victim}],
        relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        offences=["285"],
        municipality=municipality,
        registered_at=at,
        occurred_at=at,
    )


def test_a_registration_without_the_victims_address_goes_where_she_lives_as_its_handoff_would() -> None:
    """An earlier registration of the case says the victim lives in Oss (Brabant Noordoost); the next one
    happened in Tilburg (Midden- en West-Brabant) and names no address of hers. Both are history (older than
    `join_recent_days`), so each is notified on its own: the second goes to Oss's Veilig Thuis, where the
    police's hand-off of the case goes too, not to Tilburg's. A third registered later, with her new address
    in Tilburg and taken in in the same batch, does not count for the second (registered after it), and goes
    to Tilburg's itself."""
    take_in("PL0600-VR-1", MARCO, _in_oss(), registered_at=(timezone.now() - timedelta(days=30)).isoformat())
    moved = {**LOTTE, "address": {"postcode": "5038 AB", "house_number": "9", "municipality": TILBURG}}
    outcomes = intake_registrations(
        actor=None,
        items=[
            _line("PL0600-VR-3", moved, days_ago=10, municipality=TILBURG),
            _line("PL0600-VR-2", _no_address(), days_ago=20, municipality=TILBURG),
        ],
        channel="import",
    )
    assert all(outcome.created for outcome in outcomes)  # type: ignore[union-attr]
    found = {
        n.registration.reference.rsplit("-", 1)[1]: (n.organisation.code, getattr(n.municipality, "code", ""))
        for n in Notification.objects.select_related("registration", "organisation", "municipality")
    }
    assert found == {"1": (NOORDOOST, OSS), "2": (NOORDOOST, OSS), "3": (MIDDEN_WEST, TILBURG)}

    # The hand-off of the case as it stood when the second came in goes by the same rule to the same place.
    police = Case.objects.get(organisation__code="oost-brabant", closed_at__isnull=True)
    third = police.registrations.get(reference__endswith="VR-3")
    police.registrations.remove(third)
    target = handoff_target(police)
    assert target is not None
    assert (target.organisation.code, target.municipality and target.municipality.code) == (NOORDOOST, OSS)
    assert target.routed_by is not None and target.routed_by.reference.endswith("VR-1")


def test_a_recent_registration_without_the_victims_address_joins_her_notification_not_another_region() -> (
    None
):
    """Within `join_recent_days`: the registration that happened in Tilburg without her address is routed to
    Oss's Veilig Thuis and joins the pair's open notification there, instead of opening a second one at
    Tilburg's."""
    take_in("PL0600-VR-4", MARCO, _in_oss(), registered_at=(timezone.now() - timedelta(days=2)).isoformat())
    take_in(
        "PL0600-VR-5",
        MARCO,
        _no_address(),
        registered_at=(timezone.now() - timedelta(days=1)).isoformat(),
        municipality=TILBURG,
    )
    notification = Notification.objects.select_related("organisation").get()
    assert notification.organisation.code == NOORDOOST
    assert sorted(r.reference[-4:] for r in notification.case.registrations.all()) == ["VR-4", "VR-5"]
