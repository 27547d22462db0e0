"""The demo register's Veilig Thuis history: the older notifications were worked (on plausible historic
days, through the kernel), the last weeks of the register stay open, and the radar sees the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Max

from ketenzicht.demo.services import (
    DEMO_VT_OPEN_WEEKS,
    demo_data_load,
    demo_vt_history_ensure,
    demo_work_processes_ensure,
)
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.models import Registration
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import CaseEvent, EventKind

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Notification.objects.order_by("case_id").values_list(
            "case_id", "open", "outcome", "unsafety", "assessed_at", "closed_at", "radar_class", "feedback_at"
        )
    )


def test_the_demo_works_the_older_notifications_and_leaves_the_last_weeks_open() -> None:
    demo_data_load(registrations=400)
    demo_work_processes_ensure()
    assert Notification.objects.exclude(outcome="").count() == 0  # nobody worked them yet

    # (The small register has few notifications in its last four weeks: five weeks stay open here.)
    weeks = DEMO_VT_OPEN_WEEKS + 1
    worked = demo_vt_history_ensure(open_weeks=weeks)
    assert worked > 0
    horizon = Registration.objects.aggregate(newest=Max("registered_at"))["newest"]
    cutoff = horizon - timedelta(weeks=weeks)
    old = Notification.objects.filter(received_at__lt=cutoff)
    recent = Notification.objects.filter(received_at__gte=cutoff)
    assert recent.exists()
    assert not recent.filter(open=False).exists() and not recent.exclude(outcome="").exists()

    # Every old notification was assessed (but the storyline's, kept open for the walk), with an outcome.
    [kept] = old.filter(assessed_at__isnull=True)
    assert kept.victim_name == "Sandra Wilhelmina Verbeek" and kept.open and kept.case.state == "received"
    assert kept.suspect_name == "Dennis Johannes van der Linden"  # the threat with a knife
    worked_old = old.exclude(pk=kept.pk)
    assert worked_old.count() == worked
    assert not worked_old.filter(outcome="").exists() and not worked_old.filter(unsafety="").exists()
    # Those older than half a year have ended; the outcomes are mixed.
    half_year = worked_old.filter(received_at__lt=horizon - timedelta(days=183))
    assert half_year.exists() and not half_year.filter(open=True).exists()
    # (The outcome is the assessment's: an investigation that ended later still reads "investigation".)
    assert {"local_care", "end"} <= set(worked_old.values_list("outcome", flat=True))
    assert worked_old.filter(investigation_at__isnull=False).exists()
    assert worked_old.filter(monitoring_at__isnull=False).exists()

    # Dated by the historic steps, not by today: mostly in time, some late.
    for n in worked_old:
        assert n.assessed_at is not None
        assert n.received_at < n.assessed_at <= horizon
        assert n.feedback_at == n.assessed_at if n.police_case_id else True
        assert n.closed_at is None or n.assessed_at <= n.closed_at <= horizon
    steps = CaseEvent.objects.filter(case__vt_notification__in=worked_old, kind=EventKind.TRANSITION)
    last = steps.aggregate(last=Max("at"))["last"]
    assert last is not None and last <= horizon
    fed_back = CaseEvent.objects.filter(
        case__vt_feedback__in=worked_old, kind=EventKind.RECORDED, detail__has_key="veilig_thuis"
    )
    assert fed_back.exists() and fed_back.aggregate(last=Max("at"))["last"] <= horizon  # on the police case
    # Each region's own demo assessor worked and owns its notifications (one still in investigation or
    # monitoring is theirs to follow up): its assessor, not its team lead who assesses too (`veiligthuis`,
    # as docs/demo.md says, not `teamleider-vt`); a region without one was worked by the demo assessor,
    # unowned.
    assessors: dict[int, User] = {
        user.organisation_id: user
        for user in User.objects.filter(roles__role=Role.VT_ASSESSOR).exclude(roles__role=Role.TEAM_LEAD)
        if user.organisation_id is not None
    }
    fatma = User.objects.get(username="veiligthuis")
    assert fatma.organisation_id is not None and assessors[fatma.organisation_id] == fatma
    owned = worked_old.filter(case__organisation_id__in=list(assessors))
    assert owned.filter(open=True).exists()
    for n in owned.select_related("case"):
        assert n.case.owner_id == assessors[n.case.organisation_id].pk
        actors = set(steps.filter(case=n.case).values_list("actor_id", flat=True))
        assert actors == {n.case.owner_id}
    others = worked_old.exclude(case__organisation_id__in=list(assessors))
    assert not others.filter(case__owner__isnull=False).exists()
    in_time = [n.assessed_in_time for n in worked_old]
    assert in_time.count(True) > 0.7 * len(in_time) and False in in_time

    # The radar sees the history: re-notifications of persons whose earlier notification ended, or is
    # still in the investigation or monitoring the history gave it. (Which of them this small register
    # has follows its terms: an acute notification is assessed the same day and ends sooner, and a
    # notification is acute only when its police case was by its registration, whatever the batch.)
    classes = set(Notification.objects.values_list("radar_class", flat=True))
    assert classes & {"re_one", "re_several", "during_investigation", "during_monitoring"}
    assert "first" in classes

    before = snapshot()
    assert demo_vt_history_ensure(open_weeks=weeks) == 0  # safe to repeat
    assert snapshot() == before
