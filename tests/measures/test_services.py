"""Imposing, extending and ending measures, with their history; validation naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketenzicht.measures.engine.periods import add_months
from ketenzicht.measures.models import Measure, MeasureEvent
from ketenzicht.measures.services import MeasureInvalid, measure_end, measure_extend, measure_impose
from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.models import CaseEvent
from tests.measures.helpers import couple_with_case, restraining_order

pytestmark = pytest.mark.django_db


def test_a_restraining_order_is_registered_extended_and_ended_with_its_history(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    owner = make_user("case_owner")
    start = timezone.localdate() - timedelta(days=2)
    measure = restraining_order(marco, lotte, case, actor=owner, starts_on=start)
    assert measure.reference == f"MR{timezone.now().year}-000001"
    assert measure.ends_on == start + timedelta(days=9)  # 10 days
    assert measure.district_office.code == "om-oost-brabant"  # where the case's registration happened
    assert list(measure.protected.all()) == [lotte]
    extended = measure_extend(
        measure, until=start + timedelta(days=27), actor=owner, reason="Gevaar duurt voort"
    )
    assert extended.ends_on == start + timedelta(days=27)
    with pytest.raises(MeasureInvalid) as too_long:
        measure_extend(extended, until=start + timedelta(days=28), actor=owner, reason="Nog langer")
    assert too_long.value.field == "until"
    ended = measure_end(extended, actor=owner, reason="Huisverbod ingetrokken", on=timezone.localdate())
    assert ended.ends_on == timezone.localdate() and ended.ended_at is not None
    events = list(MeasureEvent.objects.filter(measure=measure).values_list("kind", "actor_name"))
    assert events == [("imposed", owner.username), ("extended", owner.username), ("ended", owner.username)]
    lines = CaseEvent.objects.filter(case=case, kind="recorded", detail__measure=measure.reference)
    assert lines.count() == 3
    assert "MR" in lines.first().reason  # type: ignore[union-attr]
    # The history is append-only: the database refuses a change.
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (the vendor's error)
        MeasureEvent.objects.filter(measure=measure).update(reason="anders")


def test_references_count_up_within_the_year() -> None:
    marco, lotte, case = couple_with_case()
    # One to today; the next one from tomorrow (an order imposed at once starts within a day).
    first = restraining_order(
        marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=2), ends_on=timezone.localdate()
    )
    second = restraining_order(marco, lotte, None, starts_on=first.ends_on + timedelta(days=1))
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=second.pk).update(reference=first.reference)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "huisverbod"}, "kind"),
        ({"conditions": ["curfew"]}, "conditions"),
        ({"conditions": ["other"]}, "conditions_text"),
        ({"conditions": ["area_ban"]}, "areas"),
        ({"conditions": ["area_ban"], "areas": {"postcodes": [["5216", "5211"]]}}, "areas"),
        ({"conditions": ["area_ban"], "areas": {"municipalities": ["0796"]}}, "areas"),
        ({"imposed_by": "king"}, "imposed_by"),
        ({"ends_on": "+11"}, "ends_on"),  # a restraining order starts with 10 days at most
        ({"ends_on": "-1"}, "ends_on"),
        ({"protected": []}, "protected"),
        ({"protected": "suspect"}, "protected"),
        ({"kind": "court_measure", "imposed_by": "court"}, "ends_on"),  # no end date
    ],
)
def test_validation_names_the_field_and_stores_nothing(change: dict[str, Any], field: str) -> None:
    marco, lotte, case = couple_with_case()
    start = timezone.localdate()
    arguments: dict[str, Any] = {
        "kind": "restraining_order",
        "suspect": marco,
        "protected": [lotte],
        "conditions": ["contact_ban"],
        "starts_on": start,
        "imposed_by": "mayor",
        "organisation": Organisation.objects.get(code="oost-brabant"),
        "actor": None,
        "police_case": case,
    }
    arguments.update(change)
    if isinstance(arguments.get("ends_on"), str):
        arguments["ends_on"] = start + timedelta(days=int(arguments["ends_on"]))
    if arguments["protected"] == "suspect":
        arguments["protected"] = [marco]
    with pytest.raises(MeasureInvalid) as refused:
        measure_impose(**arguments)
    assert refused.value.field == field
    assert refused.value.text()
    assert not Measure.objects.exists() and not MeasureEvent.objects.exists()


def test_a_court_measure_of_five_years_and_an_aware_alarm_of_six_months() -> None:
    marco, lotte, case = couple_with_case()
    office = Organisation.objects.get(code="om-oost-brabant")
    start = date(2026, 1, 15)
    court = measure_impose(
        kind="court_measure",
        suspect=marco,
        protected=[lotte],
        conditions=["contact_ban", "area_ban"],
        areas={"municipalities": ["gm0796"], "postcodes": [["5211", "5216"], "5611"]},
        starts_on=start,
        ends_on=date(2031, 1, 14),
        imposed_by="court",
        organisation=office,
        actor=None,
    )
    assert court.district_office == office
    assert court.areas == {"municipalities": ["GM0796"], "postcodes": [["5211", "5216"], ["5611", "5611"]]}
    # Registered from the police case: it starts not before the case's registration of a week ago.
    aware_start = timezone.localdate() - timedelta(days=2)
    aware = measure_impose(
        kind="aware_alarm",
        suspect=marco,
        protected=[lotte],
        conditions=[],
        starts_on=aware_start,
        imposed_by="committee",
        organisation=Organisation.objects.get(code="oost-brabant"),
        actor=None,
        police_case=case,
    )
    assert aware.ends_on == add_months(aware_start, 6) - timedelta(days=1)  # six months, the last inclusive


def test_what_a_measure_imposes_must_be_said_and_fit_its_kind() -> None:
    marco, lotte, _ = couple_with_case()
    police = Organisation.objects.get(code="oost-brabant")
    common: dict[str, Any] = dict(
        suspect=marco, protected=[lotte], starts_on=date(2026, 1, 15), organisation=police, actor=None
    )
    with pytest.raises(MeasureInvalid) as invalid:  # an order of no conditions: nothing to breach
        measure_impose(kind="restraining_order", conditions=[], imposed_by="mayor", **common)
    assert invalid.value.field == "conditions"
    with pytest.raises(MeasureInvalid) as invalid:  # the victim's alarm button binds the suspect to nothing
        measure_impose(kind="aware_alarm", conditions=["contact_ban"], imposed_by="committee", **common)
    assert invalid.value.field == "conditions"
    with pytest.raises(MeasureInvalid) as invalid:  # areas without the ban: would they alert anyone?
        measure_impose(
            kind="restraining_order",
            conditions=["contact_ban"],
            areas={"municipalities": ["GM0772"], "postcodes": [["5611", "5612"]]},
            imposed_by="mayor",
            **common,
        )
    assert invalid.value.field == "areas"
    assert not Measure.objects.exists()


def test_the_same_measure_sent_twice_is_registered_once() -> None:
    # A second tab, a double submit: two registrations of one order would alert twice on every breach.
    marco, lotte, case = couple_with_case()
    police = Organisation.objects.get(code="oost-brabant")
    order: dict[str, Any] = dict(
        kind="restraining_order",
        suspect=marco,
        protected=[lotte],
        conditions=["contact_ban"],
        starts_on=timezone.localdate() - timedelta(days=2),
        ends_on=timezone.localdate(),  # the next one may start tomorrow: an order imposed at once starts then
        imposed_by="mayor",
        organisation=police,
        actor=None,
        police_case=case,
    )
    first = measure_impose(**order)
    with pytest.raises(MeasureInvalid) as invalid:
        measure_impose(**order)
    assert invalid.value.field == "measure" and invalid.value.params == {"measure": first.reference}
    assert Measure.objects.count() == 1
    later = measure_impose(**{**order, "starts_on": first.ends_on + timedelta(days=1), "ends_on": None})
    other = measure_impose(
        **{**order, "conditions": ["contact_ban", "area_ban"], "areas": {"postcodes": ["5611"]}}
    )
    assert Measure.objects.count() == 3 and later.pk != other.pk


def test_every_problem_is_found_at_once_and_nothing_is_stored() -> None:
    """The behaviour order's form took three submits, one refusal each: the registry finds every problem
    of the input in one go, each naming its field, the first as the exception's own."""
    marco, lotte, case = couple_with_case()
    office = Organisation.objects.get(code="om-oost-brabant")
    with pytest.raises(MeasureInvalid) as refused:
        measure_impose(
            kind="behaviour_order",
            suspect=marco,
            protected=[lotte],
            conditions=["contact_ban", "area_ban", "other"],  # the other unsaid, the area not given
            starts_on=timezone.localdate(),
            ends_on=None,  # and no end date
            imposed_by="prosecutor",
            organisation=office,
            actor=None,
            police_case=case,
        )
    fields = [problem.field for problem in refused.value.problems]
    assert fields == ["conditions_text", "areas", "ends_on"] and refused.value.field == "conditions_text"
    assert all(problem.text() for problem in refused.value.problems)
    assert not Measure.objects.exists() and not MeasureEvent.objects.exists()
    with pytest.raises(MeasureInvalid) as refused:  # an unreadable area is one problem among the others
        measure_impose(
            kind="restraining_order",
            suspect=marco,
            protected=[],
            conditions=["area_ban"],
            areas={"postcodes": [["5216", "5211"]]},
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() - timedelta(days=1),
            imposed_by="king",
            organisation=office,
            actor=None,
        )
    assert [problem.field for problem in refused.value.problems] == [
        "protected",
        "areas",
        "imposed_by",
        "ends_on",
    ]
    assert not Measure.objects.exists()
