"""Breaches found at intake: through linking (a misspelt name counts), in force only, by area, reported;
alerts to the police case owners and the prosecutor in the intake's transaction; a fixed number of
queries per batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from ketenzicht.intake import pipeline
from ketenzicht.measures.breaches import breaches_detect
from ketenzicht.measures.models import Breach, MeasureEvent
from ketenzicht.measures.services import measure_end
from ketenzicht.organisations.models import Organisation, Post, PostKind
from ketenzicht.organisations.services import post_absence_set, post_assign
from ketenzicht.persons.selectors import person_list_names_for_user
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent
from ketenzicht.workprocesses.services import case_assign_owner
from tests.measures.helpers import LOTTE_MISSPELT, STRANGER, couple_with_case, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def _prosecutor(make_user: Callable[..., Any]) -> Any:
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    Post.objects.create(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_PROSECUTOR,
    )
    return prosecutor


def test_suspect_with_the_protected_victim_under_a_misspelt_name_is_a_breach_alerting_owner_and_prosecutor(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    owner = make_user("case_owner")
    case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    measure = restraining_order(marco, lotte, case, actor=owner)
    prosecutor = _prosecutor(make_user)
    later = take_in("PL0600-M-2", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    breach = Breach.objects.get()
    assert (breach.measure, breach.registration, breach.kind) == (measure, later, "contact")
    assert breach.occurred_on == timezone.localdate()
    assert MeasureEvent.objects.filter(measure=measure, kind="breach").count() == 1
    owner_alerts = list(alert_list_for_user(user=owner).filter(kind="measure_breach"))
    assert len(owner_alerts) == 1 and owner_alerts[0].case == case
    assert measure.reference in alert_text(owner_alerts[0]) and later.reference in alert_text(owner_alerts[0])
    prosecutor_alerts = list(alert_list_for_user(user=prosecutor).filter(kind="measure_breach"))
    assert len(prosecutor_alerts) == 1 and prosecutor_alerts[0].recipient == prosecutor
    assert CaseEvent.objects.filter(case=case, detail__registration=later.reference).exists()
    # The same registration taken in again (idempotent on its reference) raises nothing more.
    take_in("PL0600-M-2", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    assert Breach.objects.count() == 1 and Alert.objects.filter(kind="measure_breach").count() == 2
    # Judged again outside intake (e.g. a rebuild): the stored breach stands, nothing is raised twice.
    assert breaches_detect([later.pk]) == []
    assert Breach.objects.count() == 1 and MeasureEvent.objects.filter(kind="breach").count() == 1


def test_the_breach_and_its_alerts_are_in_the_intakes_transaction(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(marco, lotte, case)

    def fails(batch: list[Any]) -> None:
        assert Breach.objects.count() == 1 and Alert.objects.filter(kind="measure_breach").exists()
        raise RuntimeError("a later step fails")

    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", (*pipeline.STEPS_AFTER_STORE, fails))
    with pytest.raises(RuntimeError):
        take_in("PL0600-M-3", MARCO, LOTTE, registered_at=recent(0))
    assert not Breach.objects.exists() and not Alert.objects.filter(kind="measure_breach").exists()


def test_nobody_owns_the_case_and_no_prosecutor_holds_the_post_the_roles_are_alerted() -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(marco, lotte, case)
    take_in("PL0600-M-4", MARCO, LOTTE, registered_at=recent(0))
    roles = set(Alert.objects.filter(kind="measure_breach").values_list("organisation__code", "role"))
    assert roles == {("oost-brabant", "case_owner"), ("om-oost-brabant", "prosecutor")}


def test_while_the_measures_prosecutor_is_absent_the_breach_reaches_whoever_stands_in(
    make_user: Callable[..., Any],
) -> None:
    """The tester's walk: the prosecutor for domestic violence (Eva) recorded absent today until two days
    from now imposes an order; a breach registered meanwhile reaches the substitute (Pieter) as stand-in for
    her, not her alone; with the substitute away too, the office's prosecutors; once she is back, her."""
    office = Organisation.objects.get(code="om-oost-brabant")
    eva = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    eva.first_name, eva.last_name = "Eva", "Smit"
    eva.save(update_fields=["first_name", "last_name"])
    pieter = make_user("prosecutor", organisation="om-oost-brabant", username="pieter")
    dv = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    substitute = post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    today = timezone.localdate()
    post_absence_set(dv, absent_from=today, absent_until=today + timedelta(days=2))
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case, district_office=office, prosecutor=eva)
    take_in("PL0600-M-ABS-1", MARCO, LOTTE_MISSPELT, registered_at=recent(0))
    alert = Alert.objects.get(kind="measure_breach", organisation=office)
    assert alert.recipient == pieter and alert.params["absent"] == "Eva Smit"
    assert not alert_list_for_user(user=eva).filter(kind="measure_breach").exists()
    with translation.override("en"):
        text = alert_text(alert)
    assert measure.reference in text and "stand-in for Eva Smit, who is absent" in text
    # The substitute away as well: nobody stands in by name, so every prosecutor of the office.
    post_absence_set(substitute, absent_from=today, absent_until=today)
    take_in("PL0600-M-ABS-2", MARCO, LOTTE_MISSPELT, registered_at=recent(0))
    alert = Alert.objects.filter(kind="measure_breach", organisation=office).latest("id")
    assert (alert.recipient, alert.role, alert.params["absent"]) == (None, "prosecutor", "Eva Smit")
    assert alert in alert_list_for_user(user=pieter) and alert in alert_list_for_user(user=eva)
    # Back: the alert is hers again, in the words without a stand-in.
    post_absence_set(dv, absent_from=None, absent_until=None)
    take_in("PL0600-M-ABS-3", MARCO, LOTTE_MISSPELT, registered_at=recent(0))
    alert = Alert.objects.filter(kind="measure_breach", organisation=office).latest("id")
    assert alert.recipient == eva and "absent" not in alert.params


def test_no_breach_after_the_end_nor_before_the_start() -> None:
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=5))
    measure_end(
        measure,
        actor=None,
        reason="Ingetrokken door de burgemeester",
        on=timezone.localdate() - timedelta(days=2),
    )
    take_in("PL0600-M-5", MARCO, LOTTE, registered_at=recent(1))  # after the early end
    take_in("PL0600-M-6", MARCO, LOTTE, registered_at=recent(6))  # before it began
    assert not Breach.objects.exists()
    take_in("PL0600-M-7", MARCO, LOTTE, registered_at=recent(3))  # while it held
    assert Breach.objects.get().registration.reference.endswith("M-7")


def test_an_area_ban_by_postcode_range_and_a_reported_breach() -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(
        marco, lotte, case, conditions=["contact_ban", "area_ban"], areas={"postcodes": [["5614", "5616"]]}
    )
    # Marco and a stranger, no protected person: at an address outside the area nothing, inside a breach.
    outside = {**STRANGER, "address": {"postcode": "5700 AA", "house_number": "1"}}
    take_in("PL0600-M-8", MARCO, outside, registered_at=recent(0), relation=None, offences=["300"])
    assert not Breach.objects.exists()
    inside = {**STRANGER, "address": {"postcode": "5615 XY", "house_number": "1"}}
    area = take_in("PL0600-M-9", MARCO, inside, registered_at=recent(0), relation=None, offences=["300"])
    assert Breach.objects.get(registration=area).kind == "area"
    # A registration of a breach of a measure (art. 184a) naming Marco, with nobody else protected in it.
    reported = take_in(
        "PL0600-M-10", MARCO, STRANGER, registered_at=recent(0), relation=None, offences=["184a"]
    )
    assert Breach.objects.get(registration=reported).kinds == ["reported"]


def test_another_persons_registration_is_no_breach_and_the_step_reads_twice_per_batch() -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(marco, lotte, case)
    others = [
        take_in(f"PL0600-M-Q{i}", STRANGER, LOTTE, registered_at=recent(0), relation=None) for i in range(3)
    ]
    assert not Breach.objects.exists()  # Lotte with someone else: no breach of Marco's measure
    with CaptureQueriesContext(connection) as queries:
        assert breaches_detect([r.pk for r in others]) == []
    assert len(queries) == 2  # the batch's linked persons, the measures binding them
    # As the pipeline calls it, with the persons its link step found: the measures binding them only.
    linked = {r.pk: {person_of(r, "p1").pk, person_of(r, "p2").pk} for r in others}
    with CaptureQueriesContext(connection) as queries:
        assert breaches_detect([r.pk for r in others], linked=linked) == []
    assert len(queries) == 1
    unrelated = take_in(
        "PL0600-M-Q9",
        STRANGER,
        {**STRANGER, "given_names": "Piet", "birth_date": "1971-01-01"},
        registered_at=recent(0),
        relation=None,
    )
    with CaptureQueriesContext(connection) as queries:
        assert breaches_detect([unrelated.pk]) == []
    assert len(queries) == 2
    assert Case.objects.filter(measures__isnull=False).count() == 1


def test_the_measure_keeps_the_name_it_was_imposed_under_after_a_misspelt_breach(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    take_in("PL0600-M-AGAIN", MARCO, LOTTE, registered_at=recent(5), offences=["300"])
    owner = make_user("case_owner")
    measure = restraining_order(marco, lotte, case, actor=owner)
    take_in("PL0600-M-NAME", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    assert Breach.objects.filter(measure=measure).exists()
    names = person_list_names_for_user(user=owner, person_ids=[lotte.pk])
    assert names[lotte.pk] == "Lotte de Wit"  # written so more often than the misspelling


def test_a_measure_registered_after_the_fact_judges_what_happened_since_its_first_day(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()  # a week ago: the incident that led to the measure
    later = take_in("PL0600-M-SINCE", MARCO, LOTTE_MISSPELT, registered_at=recent(2), offences=["285"])
    assert not Breach.objects.exists()  # no measure yet
    owner = make_user("case_owner")
    case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    measure = restraining_order(
        marco, lotte, case, actor=owner, starts_on=timezone.localdate() - timedelta(days=7)
    )
    # Registered now, dated back to the day of the first incident: that incident is no breach (it led to
    # the measure), the threat of two days ago is.
    assert [b.registration for b in Breach.objects.filter(measure=measure)] == [later]
    assert Alert.objects.filter(recipient=owner, kind="measure_breach").count() == 1


def test_a_police_case_reopened_takes_measures_and_is_told_of_breaches_again(
    make_user: Callable[..., Any],
) -> None:
    """Measures read whether the police case is open as it is now: closed, a measure is imposed on it no
    more; reopened by a team lead, it is again, and a breach is told on it (its owner alerted)."""
    from ketenzicht.measures.selectors import may_impose_for
    from ketenzicht.workprocesses.services import case_reopen, case_take

    marco, lotte, case = couple_with_case()
    owner = make_user("case_owner")
    case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    measure = restraining_order(marco, lotte, case, actor=owner)
    case = case_take(case, "no_further_action", actor=owner, expected_version=None, reason="Rustig.")
    assert not may_impose_for(owner, case)
    case = case_reopen(case, actor=make_user("team_lead"), reason="Nieuwe melding.", expected_version=None)
    assert may_impose_for(owner, case)
    later = take_in("PL0600-M-40", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    assert Breach.objects.get().measure == measure
    [alert] = alert_list_for_user(user=owner).filter(kind="measure_breach")
    assert alert.case == case
    assert later in case.registrations.all()  # joined the reopened case: no second case for the pair
    assert Case.objects.filter(organisation__code="oost-brabant").count() == 1


# The statements that judge breaches: the measures binding the batch's persons (with their protected
# persons), and the batch's facts (the persons its mentions link to, whether it reports a breach).
def _judging(queries: CaptureQueriesContext) -> tuple[int, int]:
    """The statements that judge breaches: the measures binding the batch's persons with their terms and
    areas (the pattern signals' read of measures, which takes no terms, is not judging), and the offences."""
    sql = [query["sql"] for query in queries.captured_queries]
    return (
        sum(
            '"protected__id"' in statement
            and '"measures_measure"' in statement
            and '"starts_on"' in statement
            for statement in sql
        ),
        sum('"breach_offence"' in statement for statement in sql),
    )


def test_an_intake_batch_judges_its_breaches_once_for_the_screening_and_the_measures_step() -> None:
    """The screening step judged the batch's breaches (a breach brings the measure's pair onto its case),
    the measures step judged them again to store them, and the screening desk's receiver of the stored
    breaches a third time: now the batch is judged once and the judgement handed on."""
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    with CaptureQueriesContext(connection) as queries:
        later = take_in("PL0600-M-ONCE", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    assert _judging(queries) == (1, 1)
    breach = Breach.objects.get()
    assert (breach.measure, breach.registration, breach.kinds) == (measure, later, ["contact"])
    assert later in case.registrations.all()  # the screening step acted on the same judgement
    lines = CaseEvent.objects.filter(case=case, kind="registration").order_by("pk")
    assert [line.detail.get("measures") for line in lines][-1] == [measure.reference]
    assert Alert.objects.filter(kind="measure_breach").count() == 2  # the case's owners, the prosecutor
    # A batch of persons no measure binds: the measures binding them are looked up once, nothing more.
    with CaptureQueriesContext(connection) as queries:
        take_in("PL0600-M-NONE", STRANGER, LOTTE, registered_at=recent(0), relation=None)
    assert _judging(queries) == (1, 0)
    assert Breach.objects.count() == 1


def test_a_measure_registered_after_the_fact_judges_the_registrations_since_once(
    make_user: Callable[..., Any],
) -> None:
    """The breaches found since a measure's first day put their registrations on the pair's case on the
    judgement they were stored from (the screening desk judged them again)."""
    marco, lotte, case = couple_with_case()
    later = take_in("PL0600-M-AFTER", MARCO, LOTTE_MISSPELT, registered_at=recent(2), offences=["300"])
    with CaptureQueriesContext(connection) as queries:
        measure = restraining_order(marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=7))
    assert _judging(queries) == (1, 1)
    assert [b.registration for b in Breach.objects.filter(measure=measure)] == [later]
    assert later in case.registrations.all()
