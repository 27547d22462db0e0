"""Dutch numbers and dates: a decimal comma, dd-mm-jjjj, partial birth dates in words."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from ketenzicht.ui.formats import birth_date, date, deadline, decimal, period
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM


def test_numbers_get_a_decimal_comma_in_dutch() -> None:
    with translation.override("nl"):
        assert decimal(0.8312, 3) == "0,831"
        assert decimal(-17.4, 2, signed=True) == "-17,40"
        assert decimal(2.3, 1, signed=True) == "+2,3"
    with translation.override("en"):
        assert decimal(6.75, 2) == "6.75"


def test_numbers_are_rounded_not_cut_off() -> None:
    # A waterfall's weights add up to its total as shown: 6.486 is "6,49", not "6,48" (cut off).
    with translation.override("nl"):
        assert decimal(6.486, 2, signed=True) == "+6,49"
        assert decimal(8.49995, 2) == "8,50"
        assert decimal(0.8319, 3) == "0,832"
        assert decimal(-0.004, 2, signed=True) == "+0,00"  # no "-0,00"


def test_birth_dates_whole_and_partial() -> None:
    with translation.override("nl"):
        assert birth_date("1986-03-14") == "14-03-1986"
        assert birth_date("1982-06-00") == "juni 1982"
        assert birth_date("1986-00-00") == "1986"
        assert birth_date("onbekend") == "onbekend"
        assert date(dt.date(2024, 3, 5)) == "05-03-2024"


def test_short_dates_have_two_digit_days_and_months_in_both_languages() -> None:
    # Django's Dutch short date is "5-3-2024"; the pages write "05-03-2024" everywhere, so one list (the
    # dossier's timeline beside its registrations) must not mix the two.
    from django.utils.formats import date_format

    moment = dt.datetime(2024, 3, 5, 9, 7)
    for language in ("nl", "en"):
        with translation.override(language):
            assert date_format(moment, "SHORT_DATE_FORMAT") == "05-03-2024", language
            assert date_format(moment, "SHORT_DATETIME_FORMAT") == "05-03-2024 09:07", language


def test_access_log_codes_and_purposes_in_dutch() -> None:
    from ketenzicht.audit.labels import object_type_label, origin_label
    from ketenzicht.dossiers.labels import purpose_label
    from ketenzicht.intake.labels import error_text, field_label
    from ketenzicht.registrations.exchange import FieldError

    with translation.override("nl"):
        assert object_type_label("review_item") == "beoordeling van een koppeling"
        assert object_type_label("person_search") == "zoekopdracht naar personen"
        assert object_type_label("case") == "zaak" and object_type_label("new_thing") == "new thing"
        assert object_type_label("zsm_request") == "verzoek aan een ZSM-partner"
        assert origin_label("form 127.0.0.1") == "formulier 127.0.0.1"
        assert purpose_label("case_management: overleg over P1") == "Casusregie: overleg over P1"
        assert purpose_label("review of person links") == "beoordeling van persoonskoppelingen"
        assert purpose_label("measure MR2026-000001") == "Beschermingsmaatregel (MR2026-000001)"
        assert purpose_label("registration politie:R1: aangifte") == (
            "Een registratie waaraan ik werk (politie:R1): aangifte"
        )
        assert purpose_label("break_glass: acute dreiging") == (
            "Inzage buiten de deelregels (doorbraak): acute dreiging"
        )
        # Beside the access log's break-the-glass mark: the reason alone, the mark says the rest once.
        assert purpose_label("break_glass: acute dreiging", flagged=True) == "acute dreiging"
        assert field_label("persons") == "Personen" and field_label("relations[0].kind") == "Relaties"
        one_of = FieldError.of(
            "relations[0].kind",
            "must be one of %(expected)s",
            expected="'partner', 'ex_partner' or 'unknown'",
        )
        assert error_text(one_of, translation.gettext).endswith("Partner, Ex-partner, Onbekend")


def test_a_day_deadline_reads_as_its_last_day_and_an_hour_deadline_with_its_time() -> None:
    with translation.override("nl"):
        midnight = dt.datetime(2026, 12, 9, 0, 0, tzinfo=AMSTERDAM)
        assert deadline(midnight) == "08-12-2026, einde van de dag"
        assert deadline(dt.datetime(2026, 12, 9, 14, 30, tzinfo=AMSTERDAM)) == "09-12-2026 14:30"


def test_english_dates_are_day_first_with_a_24_hour_clock() -> None:
    from django.utils.formats import date_format

    evening = dt.datetime(2026, 3, 12, 20, 9)
    with translation.override("en"):
        assert date_format(evening, "SHORT_DATETIME_FORMAT") == "12-03-2026 20:09"  # not 03/12/2026 8:09 p.m.
        assert date_format(evening.date(), "SHORT_DATE_FORMAT") == date(evening.date()) == "12-03-2026"
        assert date_format(evening, "DATETIME_FORMAT") == "12 March 2026 20:09"


def test_every_object_type_the_code_logs_has_a_label() -> None:
    # The access log shows the type in words; one without a label read as its code ("zsm request").
    import re
    from pathlib import Path

    from ketenzicht.audit.labels import OBJECT_TYPE_LABELS

    root = Path(__file__).resolve().parents[2] / "ketenzicht"
    logged = {
        code
        for source in root.rglob("*.py")
        for code in re.findall(r'object_type="([a-z_]+)"', source.read_text(encoding="utf-8"))
    }
    assert {"case", "zsm_file", "measure"} <= logged
    assert logged - set(OBJECT_TYPE_LABELS) == set()


def test_a_period_says_its_day_once() -> None:
    start = dt.datetime(2026, 12, 7, 7, 36, 20, tzinfo=dt.UTC)  # 08:36 in Amsterdam
    with translation.override("nl"):
        assert period(start, start + dt.timedelta(minutes=30)) == "07-12-2026 08:36 – 09:06"
        assert period(start, start + dt.timedelta(seconds=30)) == "07-12-2026 08:36"
        assert period(start, start + dt.timedelta(hours=16)) == "07-12-2026 08:36 – 08-12-2026 00:36"
