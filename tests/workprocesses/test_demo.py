"""The demo pilots ex-partner stalking v2 in two units, and its register has screening cases: in a pilot unit
on v2, elsewhere on v1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from ketenzicht.demo.closed import DEMO_CLOSED_REASON
from ketenzicht.demo.services import (
    DEMO_PILOT_FROM,
    demo_data_load,
    demo_pilot_rollouts_ensure,
    demo_shift,
    demo_work_processes_ensure,
)
from ketenzicht.linking.models import MentionLink
from ketenzicht.organisations.models import User
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.models import Case, Rollout
from ketenzicht.workprocesses.selectors import case_closed_list, may_reopen, rollout_overview
from ketenzicht.workprocesses.services import case_reopen

pytestmark = pytest.mark.django_db


def police_cases() -> int:
    """The police's cases (the Veilig Thuis desk opens cases of its own for what the police notify)."""
    return Case.objects.filter(organisation__kind="politie").count()


def test_the_demo_pilot_runs_v2_in_two_units_and_the_register_has_screening_cases() -> None:
    assert demo_pilot_rollouts_ensure() == 2
    assert demo_pilot_rollouts_ensure() == 0
    pilots = Rollout.objects.filter(organisation__isnull=False, process_version__version=2)
    assert sorted(pilots.values_list("organisation__code", flat=True)) == ["limburg", "oost-brabant"]
    in_force = {
        row.organisation.code: row.current.process_version.version
        for row in rollout_overview(on=DEMO_PILOT_FROM + demo_shift())  # moved with the register
        if row.current is not None
    }
    assert in_force["oost-brabant"] == in_force["limburg"] == 2
    assert in_force["zeeland-west-brabant"] == in_force["amsterdam"] == 1

    demo_data_load(registrations=400)
    opened_by_intake = police_cases()
    assert opened_by_intake > 0
    demo_work_processes_ensure()
    assert demo_work_processes_ensure().opened == 0  # safe to repeat
    assert police_cases() == ScreeningCase.objects.count() >= opened_by_intake

    def storyline_cases(surname: str) -> list[ScreeningCase]:
        """The cases whose suspect is the storyline's suspect (every spelling: linked to one person)."""
        suspects = MentionLink.objects.filter(
            mention__role="suspect", mention__surname__icontains=surname
        ).values_list("person_id", flat=True)
        found = ScreeningCase.objects.filter(suspect_id__in=list(suspects))
        return list(found.select_related("case__process_version", "unit").order_by("case_id"))

    # Today is after the pilot's start date: the Oost-Brabant storyline runs on v2, Tilburg's on v1.
    # ("D.J. van der Linden" waits for a reviewer: until then a person, and a pair, of its own.)
    den_bosch = max(
        (c for c in storyline_cases("Linden") if c.unit.code == "oost-brabant"),
        key=lambda c: c.case.registrations.count(),
    )
    assert den_bosch.case.process_version.process == "ex_partner_stalking"
    assert den_bosch.case.process_version.version == 2
    assert den_bosch.case.registrations.count() >= 3 and "ex_partner" in den_bosch.reasons
    [tilburg] = [c for c in storyline_cases("Wijngaarde") if c.unit.code == "zeeland-west-brabant"]
    assert (tilburg.case.process_version.process, tilburg.case.process_version.version) == (
        "ex_partner_stalking",
        1,
    )
    # One open case per pair and unit.
    pairs = list(ScreeningCase.objects.values_list("unit_id", "suspect_id", "victim_id"))
    assert len(pairs) == len(set(pairs))


def test_the_demo_has_a_closed_case_the_team_lead_finds_and_reopens_and_its_owner_is_told(
    make_user: Callable[..., Any], capsys: Any
) -> None:
    """A police case of Oost-Brabant closed without action by the demo's screener (the case owner confirming
    where the process asks a second person), in the team lead's closed cases; reopened, the screener who
    owned it is told. Loading again closes no other case and leaves the reopened one open."""
    call_command("load_demo", "--force", "--registrations", "300")
    assert "Closed case:" in capsys.readouterr().out
    lead = User.objects.get(username="teamleider")
    # (Beside the older cases the demo's history closed, in the past.)
    [case] = [c for c in case_closed_list(user=lead) if c.events.filter(reason=DEMO_CLOSED_REASON).exists()]
    assert may_reopen(case, lead) and case.owner is not None and case.owner.username == "screener"
    steps = list(case.events.values_list("kind", "actor__username"))
    assert steps[-1][0] == "transition" and ("transition", "screener") in steps  # screening started
    if case.process_version.version == 2:  # closing without action waits for a second person there
        assert ("proposed", "screener") in steps and steps[-1] == ("transition", "casusregisseur")
    assert case.events.last().reason == DEMO_CLOSED_REASON  # type: ignore[union-attr]
    # As docs/demo.md says: no case outside the storylines opens on the pilot's version 2, so the closed one
    # runs on version 1 and its screener closed it alone (a smaller register: DV screening).
    assert (case.process_version.process, case.process_version.version) == ("dv_screening", 1)
    assert not case.events.filter(kind="proposed").exists()
    doc = (Path(__file__).resolve().parents[2] / "docs" / "demo.md").read_text(encoding="utf-8")
    walk = " ".join(
        doc[doc.index("**Reopening a closed case.**") : doc.index("**A user who leaves.**")].split()
    )
    assert "runs on version 1" in walk and "*Screening huiselijk geweld* case" in walk
    assert "who proposed and who confirmed" not in walk

    case = case_reopen(case, actor=lead, reason="Melder belt opnieuw.", expected_version=None)
    assert alert_list_for_user(user=case.owner).filter(kind="reopened", case=case).count() == 1  # type: ignore[arg-type]

    call_command("load_demo", "--force", "--registrations", "300")
    case.refresh_from_db()
    assert case.closed_at is None and not case_closed_list(user=lead).filter(pk=case.pk).exists()
    assert not case_closed_list(user=lead).filter(events__reason=DEMO_CLOSED_REASON).exists()
