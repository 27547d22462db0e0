"""A date a user gives a case lies in a plausible window (data/date_fields.yaml): what happened, not before
the case's start (its earliest registration's incident, else its opening); what is to come, not more than so
many days ahead. Refused naming the field and the bound, nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses import definitions
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.engine.definition import DefinitionError, FieldKind, load_definition
from ketenzicht.workprocesses.engine.machine import CaseStart, Refused, take
from ketenzicht.workprocesses.labels import refusal_text
from ketenzicht.workprocesses.models import Case, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from ketenzicht.workprocesses.selectors import case_start
from ketenzicht.workprocesses.services import case_open, case_record, case_take
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in

AT = datetime(2026, 12, 6, 23, 30, tzinfo=AMSTERDAM)  # late in the evening: today is the 6th in Amsterdam


def test_every_date_field_of_the_process_files_has_a_window() -> None:
    """A date field without a rule takes any date (01-01-1901 as the victim's contact, 01-01-2999 as the
    hearing): every one is named, a past one bounded by the case's start, a future one by days ahead."""
    rules = definitions.date_rules()
    dates = {
        name
        for path in definitions.definition_files(definitions.DATA_DIR)
        for name, spec in load_definition(path).fields.items()
        if spec.kind is FieldKind.DATE
    }
    assert dates and dates <= set(rules)
    for name in dates:
        rule = rules[name]
        assert rule.from_start if rule.when == "past" else rule.days_ahead is not None, name
    assert rules["hearing_on"].days_ahead == 365


def test_a_date_rule_that_cannot_work_is_refused_naming_its_field(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = {
        "a_on": {"when": "sometime"},
        "b_on": {"when": "future", "from": "case_start"},
        "c_on": {"when": "past", "days_ahead": 3},
        "d_on": {"when": "future", "days_ahead": -1},
        "e_on": {"when": "past", "from": "yesterday", "colour": "red"},
        "f_on": "future",  # the short form stays good
    }
    (tmp_path / "date_fields.yaml").write_text(yaml.safe_dump(wrong), encoding="utf-8")
    monkeypatch.setattr(definitions, "DATA_DIR", tmp_path)
    definitions.date_rules.cache_clear()
    try:
        with pytest.raises(DefinitionError) as refused:
            definitions.date_rules()
        said = str(refused.value)
        for part in (
            "a_on: when 'sometime' is neither past nor future",
            "b_on: from case_start bounds a date in the past only",
            "c_on: days_ahead bounds a date in the future only",
            "d_on: days_ahead -1 is not a whole number of days of 0 or more",
            "e_on: unknown properties colour",
            "e_on: from 'yesterday' is not case_start",
        ):
            assert part in said
        assert "f_on" not in said
    finally:
        definitions.date_rules.cache_clear()


def test_the_engine_bounds_a_past_date_by_the_case_start_and_a_future_one_by_days_ahead() -> None:
    rules = definitions.date_rules()
    police = load_definition(definitions.DATA_DIR / "ex_partner_stalking.v2.yaml")
    start = CaseStart(date(2026, 8, 3), "registration")

    def contact(on: str) -> Any:
        return take(
            police, "screened", "contact_victim", roles=["case_screener"], at=AT,
            values={"victim_contact_on": on}, dates=rules, start=start,
        )  # fmt: skip

    with pytest.raises(Refused) as refused:
        contact("2026-12-07")  # tomorrow: today in Amsterdam is the 6th, and it is the bound
    assert (refused.value.code, refused.value.detail) == ("date_future", "victim_contact_on")
    assert refused.value.params == {"bound": "2026-12-06"}
    with pytest.raises(Refused) as refused:
        contact("1901-01-01")
    assert (refused.value.code, refused.value.detail) == ("date_before_start", "victim_contact_on")
    assert refused.value.params == {"bound": "2026-08-03", "by": "registration"}
    with pytest.raises(Refused):
        contact("2026-08-02")
    assert contact("2026-08-03").target == "contacted"
    zsm = load_definition(definitions.DATA_DIR / "zsm_file.v1.yaml")
    recorded = {"vt_information": "ontvangen", "complaint": "gedaan"}

    def summons(on: str) -> Any:
        return take(
            zsm, "at_zsm", "decide_summons", roles=["prosecutor"], at=AT,
            values={"hearing_on": on}, recorded=recorded, dates=rules, start=start,
        )  # fmt: skip

    with pytest.raises(Refused) as refused:
        summons("2026-12-05")
    assert (refused.value.code, refused.value.params) == ("date_past", {"bound": "2026-12-06"})
    with pytest.raises(Refused) as refused:
        summons("2999-01-01")
    assert (refused.value.code, refused.value.detail) == ("date_too_far", "hearing_on")
    assert refused.value.params == {"bound": "2027-12-06", "days": "365"}
    with pytest.raises(Refused):
        summons("2027-12-07")
    assert summons("2027-12-06").values["hearing_on"] == "2027-12-06"


def test_a_date_too_far_ahead_says_its_days_in_the_singular_or_the_plural() -> None:
    """A rule of one day ahead read "ten hoogste 1 dagen": the number asks for its form."""
    with translation.override("nl"):
        one = refusal_text("date_too_far", params={"bound": "2026-12-07", "days": "1"})
        many = refusal_text("date_too_far", params={"bound": "2027-12-06", "days": "365"})
        unsaid = refusal_text("date_too_far", params={"bound": "2027-12-06"})  # passed on without its days
    assert one == "Deze datum kan niet na 07-12-2026 liggen: ten hoogste 1 dag na vandaag."
    assert many == "Deze datum kan niet na 06-12-2027 liggen: ten hoogste 365 dagen na vandaag."
    assert unsaid == "Deze datum kan niet na 06-12-2027 liggen: te ver na vandaag."


pytestmark_db = pytest.mark.django_db


def _v2_case(at: str = "2026-08-03T21:40:00+02:00") -> Case:
    rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="oost-brabant"),
        valid_from=date(2020, 1, 1),
        actor=None,
        today=date(2020, 1, 1),
    )
    take_in("PL0600-DATE-1", MARCO, LOTTE, registered_at=at)
    return Case.objects.get(process_version__process="ex_partner_stalking")


@pytestmark_db
def test_a_case_starts_on_its_earliest_incident_or_else_the_day_it_opened(
    make_user: Callable[..., Any],
) -> None:
    case = _v2_case("2026-08-03T23:40:00+02:00")
    assert case_start(case) == CaseStart(date(2026, 8, 3), "registration")  # the day in Amsterdam
    empty = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Zonder registratie",
        actor=None,
        at=datetime(2026, 9, 1, 0, 30, tzinfo=AMSTERDAM),
    )
    assert case_start(empty) == CaseStart(date(2026, 9, 1), "opened")


@pytestmark_db
def test_a_victim_contact_before_the_case_started_is_refused_at_its_field_and_nothing_stored(
    make_user: Callable[..., Any],
) -> None:
    """01-01-1901 was stored as the contact with the victim of a case whose first registration is of this
    year; the case page showed it. Now the page names the bound at the field."""
    case = _v2_case()
    screener = make_user("case_screener")
    case = case_take(case, "start_screening", actor=screener, expected_version=None)
    case = case_record(case, values={"screening_level": "high"}, actor=screener, expected_version=None)
    urgency = case.data.get("urgency_provisional") or "normal"  # the registration's: no lowering
    case = case_take(
        case, "screened", actor=screener, expected_version=None,
        values={"urgency": urgency, "stalking_indication": "yes"},
    )  # fmt: skip
    with pytest.raises(Refused) as refused:
        case_take(
            case, "contact_victim", actor=screener, expected_version=None,
            values={"victim_contact_on": "1901-01-01"},
        )  # fmt: skip
    assert refused.value.code == "date_before_start"
    act = reverse("workprocesses:case-act", args=[case.pk])
    answer = signed_in(screener).post(
        act,
        {
            "action": "take",
            "transition": "contact_victim",
            "step-contact_victim-lock_version": case.lock_version,
            "step-contact_victim-value_victim_contact_on": "1901-01-01",
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    field_error = page.split('data-testid="error-step-contact_victim-value_victim_contact_on"', 1)[1]
    said = (
        "Deze datum kan niet voor 03-08-2026 liggen: het eerste voorval in de registraties van deze zaak "
        "was op die dag."
    )
    at_field = field_error.split(">", 1)[1].split("</", 1)[0]
    # Said at the date's own field without its name again; the message on top names the field.
    assert at_field == said
    message = page.split('data-testid="message"', 1)[1].split("</p>", 1)[0]
    assert f"{said} (Datum contact met het slachtoffer)" in message
    case.refresh_from_db()
    assert case.state == "screened" and "victim_contact_on" not in case.data
    today = timezone.localdate()
    signed_in(screener).post(
        act,
        {
            "action": "take",
            "transition": "contact_victim",
            "step-contact_victim-lock_version": case.lock_version,
            "step-contact_victim-value_victim_contact_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    case.refresh_from_db()
    assert case.state == "contacted"


@pytestmark_db
def test_a_victim_contact_after_today_is_refused_naming_today_as_its_bound(
    make_user: Callable[..., Any],
) -> None:
    """The refusal of a date in the future said "... cannot lie after today" without a date, where the
    other date refusals name their bound: now it names today's date, at the field and in the message."""
    case = _v2_case()
    screener = make_user("case_screener")
    case = case_take(case, "start_screening", actor=screener, expected_version=None)
    case = case_record(case, values={"screening_level": "high"}, actor=screener, expected_version=None)
    urgency = case.data.get("urgency_provisional") or "normal"
    case = case_take(
        case, "screened", actor=screener, expected_version=None,
        values={"urgency": urgency, "stalking_indication": "yes"},
    )  # fmt: skip
    today = timezone.localdate()
    client = signed_in(screener)
    client.cookies["django_language"] = "en"
    answer = client.post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "take",
            "transition": "contact_victim",
            "step-contact_victim-lock_version": case.lock_version,
            "step-contact_victim-value_victim_contact_on": (today + timedelta(days=1)).isoformat(),
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    said = (
        f"This date is of something that happened: it cannot lie after today ({today.strftime('%d-%m-%Y')})."
    )
    field_error = page.split('data-testid="error-step-contact_victim-value_victim_contact_on"', 1)[1]
    assert field_error.split(">", 1)[1].split("</", 1)[0] == said
    message = page.split('data-testid="message"', 1)[1].split("</p>", 1)[0]
    assert f"{said} (Date of contact with the victim)" in message
    case.refresh_from_db()
    assert case.state == "screened" and "victim_contact_on" not in case.data
