"""The demo pilots ex-partner stalking v2 in two units and opens a case in a pilot and a non-pilot unit."""

from __future__ import annotations

import pytest

from ketenzicht.demo.services import DEMO_PILOT_FROM, demo_work_processes_ensure
from ketenzicht.workprocesses.models import Case, Rollout
from ketenzicht.workprocesses.selectors import rollout_overview

pytestmark = pytest.mark.django_db


def test_the_demo_pilot_runs_v2_in_two_units_and_is_safe_to_repeat() -> None:
    opened = demo_work_processes_ensure()
    assert demo_work_processes_ensure() == []
    pilots = Rollout.objects.filter(organisation__isnull=False, process_version__version=2)
    assert sorted(pilots.values_list("organisation__code", flat=True)) == ["limburg", "oost-brabant"]
    in_force = {
        row.organisation.code: row.current.process_version.version
        for row in rollout_overview(on=DEMO_PILOT_FROM)
        if row.current is not None
    }
    assert in_force["oost-brabant"] == in_force["limburg"] == 2
    assert in_force["zeeland-west-brabant"] == in_force["amsterdam"] == 1
    versions = {case.organisation.code: case.process_version.version for case in opened}
    assert Case.objects.count() == 2
    assert versions["zeeland-west-brabant"] == 1
    # Today is after the pilot's start date: the Oost-Brabant case runs on v2.
    assert versions["oost-brabant"] == 2
