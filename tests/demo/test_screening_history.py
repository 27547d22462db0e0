"""The demo's police screening history: older cases worked through their process by the demo's police users at
historic moments (version 2 closing without action confirmed by a second person), the register's last weeks
left open, nothing left unread for today's users, safe to repeat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.demo.screening_history import demo_screening_history_ensure
from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.intake.pipeline import IntakeResult, intake_registrations
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.models import ProcessVersion, Rollout
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO

pytestmark = pytest.mark.django_db


def take_in(reference: str, suspect: dict[str, Any], victim: dict[str, Any], *, registered_at: str) -> Any:
    """An ex-partner's threat in Eindhoven, taken in as the demo takes its register in (historic)."""
    data = exchange_registration(
        source="politie",
        reference=in_numbering(reference, source="politie", unit="oost-brabant", municipality="GM0772"),
        kind="aangifte",
        persons=[{"ref": "p1", "role": "suspect", **suspect}, {"ref": "p2", "role": "victim", **victim}],
        relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        offences=["285"],
        unit="oost-brabant",
        municipality="GM0772",
        registered_at=registered_at,
        occurred_at=registered_at,
    )
    [outcome] = intake_registrations(actor=None, items=[data], channel="import", historic=True)
    assert isinstance(outcome, IntakeResult)
    return outcome.registration


def test_the_older_cases_are_worked_at_historic_moments_and_the_last_weeks_stay_open() -> None:
    demo_users_ensure()
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    unit = Organisation.objects.get(code="oost-brabant")
    Rollout.objects.create(process=v2.process, process_version=v2, organisation=unit, valid_from="2024-01-01")
    # Twelve ex-partners in March 2024, each his own pair, and a last registration in September.
    for number in range(12):
        names = ("Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
                 "Dekker", "Brouwer")  # fmt: skip
        suspect = {
            "given_names": "Karel",
            "surname": names[number],
            "birth_date": f"197{number % 10}-02-1{number % 9}",
        }
        victim = {
            "given_names": "Anna",
            "surname": f"{names[number]}-Kok",
            "birth_date": f"198{number % 10}-07-2{number % 9}",
        }
        take_in(
            f"PL0600-D-{number}", suspect, victim, registered_at=f"2024-03-{number + 4:02d}T10:00:00+01:00"
        )
    recent = take_in("PL0600-D-99", MARCO, LOTTE, registered_at="2024-09-02T10:00:00+02:00")
    assert ScreeningCase.objects.filter(case__process_version=v2).count() == 13

    worked = demo_screening_history_ensure()
    assert worked == 12
    [still] = ScreeningCase.objects.filter(open=True).select_related("case")
    assert still.opened_by == recent and still.case.state == "new" and still.case.owner is None

    horizon = datetime.fromisoformat("2024-09-02T10:00:00+02:00")
    screener, second = User.objects.get(username="screener"), User.objects.get(username="casusregisseur")
    paths = set()
    for screening in ScreeningCase.objects.filter(open=False).select_related("case"):
        case = screening.case
        assert case.owner == screener and case.closed_at is not None and case.closed_at <= horizon
        events = list(case.events.order_by("id"))
        moments = [event.at for event in events]
        assert moments == sorted(moments) and moments[0] == case.opened_at  # in order, after it opened
        steps = [(event.kind, event.transition, event.actor_id) for event in events]
        assert ("transition", "start_screening", screener.pk) in steps
        if ("transition", "close_without_action", second.pk) in steps:  # a second person confirmed it
            assert ("proposed", "close_without_action", screener.pk) in steps
            assert events[-1].reason and events[-1].detail["confirmed_by"] == "casusregisseur"
            paths.add("no_action")
        else:  # version 2: the screening recorded, the victim contacted and a safety plan before the close
            order = [t for kind, t, _ in steps if kind == "transition"]
            assert order[:4] == ["start_screening", "screened", "contact_victim", "agree_safety"]
            assert order[-1] == "close" and ("recorded", "", screener.pk) in steps
            assert case.data["screening_level"] and case.data["stalking_indication"]
            paths.add("follow_up")
    assert paths == {"no_action", "follow_up"}
    # Nothing of that history waits unread for today's users.
    for name in ("screener", "casusregisseur", "teamleider"):
        user = User.objects.get(username=name)
        assert not alert_list_for_user(user=user, unread_only=True).exclude(case=still.case).exists(), name
    assert timezone.now() > horizon

    assert demo_screening_history_ensure() == 0  # safe to repeat: only untouched cases are worked
