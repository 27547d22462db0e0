"""The insight desk: who sees it, what it shows (never a count from 1 to 4, never a name), the CSV, the
access log, and days marked stale by intake and the desks and counted again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.insights.models import Cell, Refresh, StaleDay
from ketenzicht.insights.selectors import years
from ketenzicht.insights.services import figures_refresh, register_years, stale_mark
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.services import case_take
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

# A cell's text; a suppressed count ("<5") is in an abbreviation that says it in words.
NUMBER = re.compile(r'<td class="utrecht-table__cell kz-number">(?:<abbr [^>]*>)?([^<]*)(?:</abbr>)?</td>')


@pytest.fixture
def counted() -> None:
    """Marco's stalking of Lotte (three registrations in March 2024, one of them in Tilburg), Bart and Ilse
    once, and seven more threats in Eindhoven: small counts and one of five or more."""
    take_in("PL0600-I1", MARCO, LOTTE, registered_at="2024-03-04T10:00:00+01:00", offences=["285b"])
    take_in("PL0600-I2", MARCO, LOTTE, registered_at="2024-03-11T10:00:00+01:00", offences=["285b"])
    take_in(
        "PL0900-I3",
        MARCO,
        LOTTE,
        registered_at="2024-03-18T10:00:00+01:00",
        offences=["300"],
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    take_in("PL0600-I4", BART, ILSE, registered_at="2024-05-02T10:00:00+02:00", offences=["300"])
    for n in range(7):
        other = {
            "given_names": f"Piet{n}",
            "surname": "Klaassen",
            "birth_date": f"1970-01-{n + 10}",
            "sex": "M",
        }
        victim = {
            "given_names": f"Sanne{n}",
            "surname": "Aerts",
            "birth_date": f"1975-02-{n + 10}",
            "sex": "F",
        }
        take_in(f"PL0600-J{n}", other, victim, registered_at="2024-06-03T10:00:00+02:00", offences=["285"])
    figures_refresh()  # intake marked the days: the stale years are counted


def _client(make_user: Callable[..., Any], role: str, organisation: str) -> tuple[Client, Any]:
    user = make_user(role, organisation=organisation)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_analyst_sees_published_figures_only_and_each_view_is_logged(
    make_user: Callable[..., Any], counted: None
) -> None:
    client, user = _client(make_user, "national_analyst", "landelijke-eenheid")
    page = client.get(
        "/inzicht/?gebied=national:nl&jaar=2024&per=month&vergelijk=police_unit"
    ).content.decode()
    assert "Cijfers over huiselijk geweld en belaging" in page
    numbers = NUMBER.findall(page)
    assert "<5" in {n.replace("&lt;", "<") for n in numbers}
    for text in numbers:
        text = text.replace("&lt;", "<").strip()
        if text in ("<5", "—") or text.endswith("%"):
            continue
        value = float(text.replace(",", "."))
        assert value == 0 or value % 5 == 0 or "." in text or "," in text, text  # medians may be exact
    # The year: 11 DV and stalking registrations in 2024 (2 of them stalking), published as 10 and <5.
    year = Cell.objects.get(
        period_kind="year",
        period_start=date(2024, 1, 1),
        area_kind="national",
        figure="registrations",
        part="dv_only",
    )
    assert year.value == 9
    total = re.search(r'data-testid="insights-total-registrations">(.*?)</tr>', page, re.S)
    assert total is not None and NUMBER.findall(total.group(1)) == ["10", "&lt;5", "10"]
    # "<5" stays short in the table and is said in words beside it (a tooltip; a screen reader reads it).
    assert '<abbr class="kz-suppressed" title="minder dan 5">&lt;5</abbr>' in total.group(1)
    assert "Hendriks" not in page and "Wit" not in page.replace("Wit-", "")  # no names
    entry = AccessLogEntry.objects.filter(actor=user, object_type="statistics").latest("at")
    assert entry.action == "list" and entry.result == "shown" and entry.detail["jaar"] == "2024"


def test_national_roles_start_on_the_country_and_empty_subjects_say_so(
    make_user: Callable[..., Any], counted: None
) -> None:
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    page = client.get("/inzicht/?jaar=2024").content.decode()
    assert 'data-testid="insights-area">Nederland, 2024' in page
    assert 'data-testid="insights-empty-zsm_decided"' in page  # no ZSM decisions: a line, no empty chart
    assert 'data-testid="insights-chart-registrations"' in page
    assert 'data-testid="insights-chart-zsm_decided"' not in page
    # Every year, per week: shown per month, and said so.
    page = client.get("/inzicht/?jaar=&per=week", follow=True).content.decode()
    assert "Cijfers per week worden per jaar getoond; hier per maand." in page


def test_one_unit_and_the_areas_compared(make_user: Callable[..., Any], counted: None) -> None:
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    page = client.get("/inzicht/?gebied=police_unit:zeeland-west-brabant&jaar=2024&per=week").content.decode()
    assert 'data-testid="insights-area">Politie eenheid Zeeland-West-Brabant, 2024' in page
    compare = re.search(r'data-testid="insights-compare-table">(.*?)</table>', page, re.S)
    assert compare is not None and "Oost-Brabant" in compare.group(1) and "Nederland" in compare.group(1)


def test_the_csv_holds_what_the_page_shows_and_its_export_is_logged(
    make_user: Callable[..., Any], counted: None
) -> None:
    client, user = _client(make_user, "team_lead", "oost-brabant")
    response = client.get("/inzicht/export.csv?gebied=police_unit:oost-brabant&jaar=2024&per=month")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["onderwerp", "onderdeel", "gebied", "periode", "eenheid", "waarde", "toelichting"]
    suppressed = [row for row in rows[1:] if row[6] == "minder dan 5 (niet getoond)"]
    assert suppressed and all(row[5] == "" for row in suppressed)
    for row in rows[1:]:
        if row[4] == "aantal" and row[5]:
            assert int(row[5]) % 5 == 0, row  # every count shown is 0 or a multiple of 5
    # The year's totals, the extra tables and the comparison are in it too, as on the page.
    assert [
        "Registraties van huiselijk geweld en belaging",
        "totaal",
        "Politie eenheid Oost-Brabant",
        "2024",
        "aantal",
        "10",
        "",
    ] in rows
    assert any(row[0].endswith(": Per urgentie") and row[1].startswith("normaal: ") for row in rows)
    assert any(row[0] == "Gebieden vergeleken" and row[2] == "Nederland" for row in rows)
    entry = AccessLogEntry.objects.filter(actor=user, object_type="statistics").latest("at")
    assert entry.action == "export" and entry.detail["gebied"] == "police_unit:oost-brabant"


def test_roles_without_statistics_are_refused_and_logged(make_user: Callable[..., Any]) -> None:
    client, user = _client(make_user, "case_screener", "oost-brabant")
    assert client.get("/inzicht/").status_code == 403
    assert client.get("/inzicht/export.csv").status_code == 403
    refused = AccessLogEntry.objects.filter(actor=user, object_type="statistics", result="refused")
    assert refused.count() == 2


def test_an_unknown_choice_is_named_and_the_default_shown(
    make_user: Callable[..., Any], counted: None
) -> None:
    client, _user = _client(make_user, "team_lead", "oost-brabant")
    page = client.get("/inzicht/?gebied=police_unit:nergens&jaar=1900", follow=True).content.decode()
    assert "Gebied: wat u vroeg is niet bekend; de standaardkeuze wordt getoond." in page
    assert "Jaar: wat u vroeg is niet bekend" in page
    latest = years()[0]
    assert (
        f'data-testid="insights-area">Politie eenheid Oost-Brabant, {latest}' in page
    )  # own unit, latest year


def test_intake_and_the_desks_mark_days_and_a_count_takes_them_in(make_user: Callable[..., Any]) -> None:
    registration = take_in(
        "PL0600-S1", MARCO, LOTTE, registered_at="2025-02-03T10:00:00+01:00", offences=["285b"]
    )
    today = timezone.localdate()
    assert set(StaleDay.objects.values_list("day", flat=True)) == {date(2025, 2, 3), today}
    result = figures_refresh()
    assert result.years == tuple(sorted({2025, today.year})) and not StaleDay.objects.exists()
    case = ScreeningCase.objects.get(opened_by=registration).case
    opened_on = timezone.localtime(case.opened_at).date()

    def status() -> set[str]:
        return {
            part.partition(":")[2]
            for part in Cell.objects.filter(
                period_kind="month",
                period_start=opened_on.replace(day=1),
                area_kind="police_unit",
                figure="screening_timeliness",
            ).values_list("part", flat=True)
        }

    assert status() <= {"overdue_now", "waiting"} and status()
    # The screener screens the case: the day it opened is marked, and counted again it is screened.
    owner = make_user("case_owner", organisation="oost-brabant")
    case = case_take(case, "start_screening", actor=owner, expected_version=None)
    urgency = case.data.get("urgency_provisional") or "normal"  # a lower one would wait for a team lead
    case = case_take(case, "screened", actor=owner, expected_version=None, values={"urgency": urgency})
    assert StaleDay.objects.filter(day=opened_on).exists()
    assert figures_refresh().years == (today.year,)
    assert status() == {"in_time"}
    assert figures_refresh().years == ()  # nothing stale: nothing counted


def _cells(year: int, area: tuple[str, str], values: dict[tuple[str, str], int]) -> None:
    """Counted cells of one year and area, and the country's the same (the page reads only cells)."""
    for kind, code in (area, ("national", "nl")):
        Cell.objects.bulk_create(
            Cell(
                period_kind="year",
                period_start=date(year, 1, 1),
                area_kind=kind,
                area_code=code,
                figure=figure,
                part=part,
                value=value,
            )
            for (figure, part), value in values.items()
        )
    Refresh.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), years=[year], cells=0, facts=0
    )


def _shares(page: str) -> tuple[dict[str, str], dict[str, str]]:
    """The radar groups' shares in time, and the country's row of the areas compared (heading -> cell)."""
    radar = page[page.index("Per radargroep") :]
    radar = radar[: radar.index("</table>")]
    groups = {
        re.sub(r"<[^>]+>", "", row[0]).strip(): row[-1]
        for row in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", line, re.S)
            for line in re.findall(r'<tr class="utrecht-table__row">(.*?)</tr>', radar, re.S)
        )
        if len(row) > 2 and not row[0].startswith("Radargroep")
    }
    country: dict[str, str] = {}
    for head, rows in _compare_tables(page).values():
        country.update(zip(head, rows["Nederland"], strict=True))
    return groups, country


def _compare_tables(page: str) -> dict[str, tuple[list[str], dict[str, list[str]]]]:
    """The areas compared, per theme: its column heads and per area (its name) its cells."""
    found = {}
    for key, table in re.findall(
        r'<table [^>]*data-testid="insights-compare-([a-z]+)"[^>]*>(.*?)</table>', page, re.S
    ):
        head = [
            re.sub(r"<[^>]+>", "", h)
            for h in re.findall(r'<th class="[^"]*kz-number" scope="col">(.*?)</th>', table)
        ]
        rows = {
            re.sub(r"<[^>]+>", "", name).strip(): NUMBER.findall(line)
            for name, line in re.findall(r'scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
        }
        found[key] = (head, rows)
    return found


def test_shares_come_from_the_exact_counts_and_hide_a_small_rest(make_user: Callable[..., Any]) -> None:
    """Oost-Brabant as the tester saw it: 5 first notifications assessed in time, 1 late, 1 overdue. From
    the published counts (5 of 5) the share read 100%; from the exact ones it is 71%, which beside a whole
    of "5" tells the 2 not in time: no share. Where part and rest are both 5 or more, the share is the exact
    one rounded to fives (7 of 12: 60%, where 5 of 10 said 50%)."""
    _cells(
        2026,
        ("police_unit", "oost-brabant"),
        {
            ("vt_notifications", "first:in_time"): 5,
            ("vt_notifications", "first:late"): 1,
            ("vt_notifications", "first:overdue_now"): 1,
            ("vt_notifications", "re:in_time"): 7,
            ("vt_notifications", "re:late"): 5,
            ("screening_timeliness", "normal:in_time"): 7,
            ("screening_timeliness", "normal:late"): 3,
            ("screening_timeliness", "high:late"): 2,
            ("zsm_decided", "zsm"): 6,
            ("zsm_decided", "regular"): 4,
            ("zsm_decided", "all"): 10,
        },
    )
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    query = "?gebied=police_unit:oost-brabant&jaar=2026&per=year&vergelijk=police_unit"
    page = client.get("/inzicht/" + query).content.decode()
    groups, country = _shares(page)
    assert groups["Eerste melding"] == "—"  # was "100%"
    assert groups["Hermelding"] == "60%"  # 7 of 12 (was 50%: 5 of 10)
    # Over both groups 12 of 19 in time (63%): rest 7, part 12: shown, rounded to fives.
    assert country["Op tijd beoordeeld"] == "65%"
    # Screening: 7 in time of 12 due, the rest 5: 58%, shown as 60% (from the published 5 of 10: 50%).
    assert country["Op tijd gescreend"] == "60%"
    # ZSM: 6 of 10 settled at the table, the other 4 would be told: no share (was 50%, from 5 of 10).
    assert country["Afgedaan aan de ZSM-tafel"] == "—"
    rows = list(
        csv.reader(
            io.StringIO(client.get("/inzicht/export.csv" + query).content.decode("utf-8-sig")), delimiter=";"
        )
    )
    # The CSV: the same shares, and a share that cannot be shown is empty, said so, and still a percent.
    percents = {(row[0].split(": ")[-1], row[1], row[2]): row for row in rows if row[4] == "procent"}
    radar = ("Per radargroep", "eerste melding: aandeel op tijd", "Politie eenheid Oost-Brabant")
    zsm = ("Gebieden vergeleken", "afgedaan aan de ZSM-tafel", "Nederland")
    for hidden in (radar, zsm):
        assert percents[hidden][5:] == ["", "niet te tonen"]
    shown = {key: row[5] for key, row in percents.items() if row[5]}
    assert shown[("Per radargroep", "hermelding: aandeel op tijd", "Politie eenheid Oost-Brabant")] == "60"
    assert shown[("Gebieden vergeleken", "op tijd beoordeeld", "Nederland")] == "65"
    assert shown[("Gebieden vergeleken", "op tijd gescreend", "Nederland")] == "60"
    assert all(int(value) % 5 == 0 for value in shown.values())


def test_the_page_says_when_it_was_counted_how_often_and_what_is_not_counted_yet(
    make_user: Callable[..., Any], settings: Any
) -> None:
    """The page says when the figures were last updated, how often they are counted (the schedule this
    installation declares; where nothing runs the count, that nothing counts by itself: it promises no
    recount that nothing runs), and which days, as the charts count them, have data not counted yet."""
    _cells(2026, ("police_unit", "oost-brabant"), {("registrations", "stalking"): 5})
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    counted = Refresh.objects.latest("finished_at").finished_at

    client.cookies["django_language"] = "en"

    def said() -> str:
        page = client.get("/inzicht/?jaar=2026").content.decode()
        found = re.search(r'data-testid="insights-counted">(.*?)</p>', page, re.S)
        assert found is not None
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()

    at = timezone.localtime(counted).strftime("%d-%m-%Y %H:%M")
    settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES = None
    assert said() == (
        f"Last updated on {at}: the figures show the register as it was then. Nothing counts them again by "
        "itself here: what is registered later shows once a functional administrator has them counted again "
        "(on their page Count the figures again)."
    )
    settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES = 5
    assert said().endswith(
        "They are counted again every 5 minutes: what is registered later shows after the next count."
    )
    stale_mark([date(2026, 2, 3), date(2026, 12, 1), date(2026, 3, 9), date(2026, 3, 9)])
    assert said().endswith(
        "Since then, data were added or changed that the charts count on 3 days (from 03-02-2026 to "
        "01-12-2026: a registration on the day it was registered, a case on the day it opened, a breach on "
        "the day it happened); the figures of those days are not counted again yet."
    )
    StaleDay.objects.exclude(day=date(2026, 3, 9)).delete()
    assert "count on 1 day (09-03-2026: a registration on the day it was registered" in said()


def test_a_registration_marks_the_day_it_was_registered_not_the_day_it_happened() -> None:
    """The charts count a registration on the day it was registered: an incident of five days ago,
    registered today, changes today's figures only (a breach would count on the day it happened)."""
    now = timezone.localtime()
    happened = now - timedelta(days=5)
    data = exchange_registration(
        reference=in_numbering("PL0600-D1", source="politie", unit="oost-brabant", municipality="GM0772"),
        municipality="GM0772",
        occurred_at=happened.isoformat(),
        registered_at=now.isoformat(),
    )
    intake_registration(actor=None, data=data, channel="import")
    assert set(StaleDay.objects.values_list("day", flat=True)) == {now.date()}


def test_every_year_of_the_register_is_offered_one_without_dv_or_stalking_too(
    make_user: Callable[..., Any],
) -> None:
    """The register begins in December 2021 with a registration that is neither domestic violence nor
    stalking: 2021 is counted (with nothing in it) and offered in the year list and under every year."""
    take_in(
        "PL0600-Y1", BART, ILSE, registered_at="2021-12-09T10:00:00+01:00", offences=["350"], relation=None
    )
    take_in("PL0600-Y2", MARCO, LOTTE, registered_at="2022-03-04T10:00:00+01:00", offences=["285b"])
    figures_refresh(years=register_years())
    assert not Cell.objects.filter(period_start__year=2021).exists()
    assert years()[-2:] == [2022, 2021]
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    page = client.get("/inzicht/?jaar=&per=year").content.decode()
    assert '<option value="2021">2021</option>' in page
    table = page[page.index('data-testid="insights-table-registrations"') :]
    assert re.search(r'scope="row">2021</th>', table[: table.index("</table>")])


def test_the_schedule_setting_names_itself_when_it_is_no_number_of_minutes(monkeypatch: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import env_minutes

    monkeypatch.setenv("KETENZICHT_INSIGHTS_REFRESH_MINUTES", "vijf")
    with pytest.raises(ImproperlyConfigured, match="KETENZICHT_INSIGHTS_REFRESH_MINUTES: 'vijf'"):
        env_minutes("KETENZICHT_INSIGHTS_REFRESH_MINUTES")
    monkeypatch.setenv("KETENZICHT_INSIGHTS_REFRESH_MINUTES", " 5 ")
    assert env_minutes("KETENZICHT_INSIGHTS_REFRESH_MINUTES") == 5
    monkeypatch.delenv("KETENZICHT_INSIGHTS_REFRESH_MINUTES")
    assert env_minutes("KETENZICHT_INSIGHTS_REFRESH_MINUTES") is None


def test_the_counted_line_reads_in_dutch(make_user: Callable[..., Any], settings: Any) -> None:
    _cells(2026, ("police_unit", "oost-brabant"), {("registrations", "stalking"): 5})
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES = None
    stale_mark([date(2026, 12, 2), date(2026, 12, 7)])
    page = re.sub(r"\s+", " ", client.get("/inzicht/?jaar=2026").content.decode())
    assert "Bijgewerkt op " in page
    assert "Hier telt niets ze vanzelf opnieuw: wat daarna is vastgelegd, staat er pas in als een" in page
    assert (
        "die de grafieken tellen op 2 dagen (van 02-12-2026 tot en met 07-12-2026: een registratie op de dag "
        "van registratie, een zaak op de dag van opening, een overtreding op de dag waarop die plaatsvond)"
    ) in page
    settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES = 5
    page = re.sub(r"\s+", " ", client.get("/inzicht/?jaar=2026").content.decode())
    assert (
        "Ze worden elke 5 minuten opnieuw geteld: wat daarna is vastgelegd, staat er na de volgende" in page
    )


def test_the_areas_compared_are_a_table_per_theme_and_the_csv_keeps_every_column(
    make_user: Callable[..., Any], counted: None
) -> None:
    """At 1366 px twelve columns beside a unit's name did not fit: the comparison is a table per theme
    (police, Veilig Thuis, ZSM, measures and persons), each with the areas and the country, every column in
    exactly one of them; the CSV still holds every column for every area."""
    client, _user = _client(make_user, "national_analyst", "landelijke-eenheid")
    query = "?gebied=police_unit:oost-brabant&jaar=2024&per=month&vergelijk=police_unit"
    page = client.get("/inzicht/" + query).content.decode()
    tables = _compare_tables(page)
    assert list(tables) == ["police", "veiligthuis", "zsm", "measures"]
    heads = [h for head, _rows in tables.values() for h in head]
    assert len(heads) == len(set(heads)) == 12
    assert all(len(head) <= 5 for head, _rows in tables.values())
    assert tables["police"][0][:2] == ["Registraties huiselijk geweld en belaging", "Waarvan belaging"]
    for head, rows in tables.values():
        assert "Nederland" in rows and "Politie eenheid Oost-Brabant" in rows
        assert all(len(cells) == len(head) for cells in rows.values())
    assert tables["police"][1]["Politie eenheid Oost-Brabant"][0] == "10"
    lines = list(
        csv.reader(
            io.StringIO(client.get("/inzicht/export.csv" + query).content.decode("utf-8-sig")), delimiter=";"
        )
    )
    compared = [line for line in lines if line[0] == "Gebieden vergeleken" and line[2] == "Nederland"]
    assert sorted(line[1].lower() for line in compared) == sorted(h.lower() for h in heads)


def test_where_registrations_and_screening_cases_sit_side_by_side_a_note_says_they_differ(
    make_user: Callable[..., Any], counted: None
) -> None:
    """Oost-Brabant in a month showed 0 registrations beside <5 screening cases opened: a case also opens on
    a pattern signal or a registration of an earlier period. The police table of the comparison, where the
    two sit side by side, says so and points to it; the median's table says when a median is shown."""
    client, _user = _client(make_user, "team_lead", "oost-brabant")
    page = re.sub(r"\s+", " ", client.get("/inzicht/?jaar=2024").content.decode())
    police = re.search(r'<table [^>]*data-testid="insights-compare-police"[^>]*>', page)
    assert police is not None and 'aria-describedby="insights-note-cases"' in police.group(0)
    note = re.search(r'id="insights-note-cases" data-testid="insights-note-cases">(.*?)</p>', page)
    assert note is not None and "een zaak opent ook op een patroonsignaal" in note.group(1)
    median = re.search(r'data-testid="insights-median-note-stalking_signals">(.*?)</p>', page)
    assert median is not None
    assert median.group(1).startswith("De mediane voorsprong in dagen staat er alleen waar er ten minste 5")


def test_the_functional_administrator_counts_again_from_a_page_and_others_are_refused(
    make_user: Callable[..., Any], counted: None, settings: Any
) -> None:
    """The figures page says an administrator has them counted again: the functional administrator (and
    only they) has a page that says when they were last counted and how long that took, and a button that
    runs the count of `insights_refresh` (the days marked since, or every year); each count is logged."""
    settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES = None
    admin, admin_user = _client(make_user, "functional_admin", "landelijke-eenheid")
    assert 'data-testid="home-insights-recount"' in admin.get("/").content.decode()
    page = re.sub(r"\s+", " ", admin.get("/inzicht/tellen/").content.decode())
    last = re.search(r'data-testid="recount-last">(.*?)</dd>', page)
    this_year = timezone.localdate().year  # intake marks today too
    assert last is not None and f"2024, {this_year}, in " in last.group(1) and " seconden" in last.group(1)
    assert 'data-testid="recount-stale">niets' in page
    take_in("PL0600-K1", BART, ILSE, registered_at="2024-09-02T10:00:00+02:00", offences=["300"])
    page = re.sub(r"\s+", " ", admin.get("/inzicht/tellen/").content.decode())
    assert "dagen (van 02-09-2024 tot en met" in page or "dag (02-09-2024)" in page
    before = Refresh.objects.count()
    done = re.sub(
        r"\s+", " ", admin.post("/inzicht/tellen/", {"welke": "stale"}, follow=True).content.decode()
    )
    assert f"Opnieuw geteld: 2024, {this_year}, in " in done and not StaleDay.objects.exists()
    assert Refresh.objects.count() == before + 1
    september = Cell.objects.get(
        period_kind="month", period_start=date(2024, 9, 1), area_kind="national", figure="registrations"
    )
    assert september.value == 1
    entry = AccessLogEntry.objects.filter(actor=admin_user, object_type="statistics").latest("at")
    assert (entry.action, entry.result, entry.detail["counted"]) == ("rebuild", "stored", "stale")
    assert entry.detail["years"] == [2024, this_year]
    # Nothing marked since: said so; every year counts every year of the register.
    done = admin.post("/inzicht/tellen/", {"welke": "stale"}, follow=True).content.decode()
    assert "Er is sinds de laatste telling niets gemarkeerd" in done
    admin.post("/inzicht/tellen/", {"welke": "all"})
    assert Refresh.objects.latest("finished_at").years == register_years()
    # An unknown choice counts nothing and names the field.
    count = Refresh.objects.count()
    done = admin.post("/inzicht/tellen/", {"welke": "alles"}, follow=True).content.decode()
    assert "Wat opnieuw tellen:" in done and Refresh.objects.count() == count
    # Anyone else, the analyst who sees the figures too: refused (403), logged once per request.
    for role, organisation in (("national_analyst", "landelijke-eenheid"), ("case_screener", "oost-brabant")):
        client, user = _client(make_user, role, organisation)
        assert 'data-testid="home-insights-recount"' not in client.get("/").content.decode()
        assert client.get("/inzicht/tellen/").status_code == 403
        assert client.post("/inzicht/tellen/", {"welke": "all"}).status_code == 403
        refused = AccessLogEntry.objects.filter(actor=user, object_type="statistics", result="refused")
        assert sorted(refused.values_list("action", flat=True)) == ["rebuild", "view"]
    assert Refresh.objects.count() == count
