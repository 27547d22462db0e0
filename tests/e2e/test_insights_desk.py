"""The insight desk in Chromium: the demo analyst goes from the start page to the figures, filters to one
police unit and a year, sees the charts with their tables, and downloads the CSV, small counts suppressed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.insights.services import figures_refresh
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in


def test_the_analyst_filters_to_a_unit_and_a_year_and_exports_suppressed_figures(
    live_server: Any, page: Any, login: Callable[..., None]
) -> None:
    demo_users_ensure()
    # 2024 in Oost-Brabant: Marco stalks Lotte (three registrations), Bart threatens Ilse once, and six
    # more threats; one registration in Zeeland-West-Brabant.
    for n, month in enumerate(("03", "04", "05")):
        take_in(
            f"PL0600-E{n}", MARCO, LOTTE, registered_at=f"2024-{month}-04T10:00:00+01:00", offences=["285b"]
        )
    take_in("PL0600-E9", BART, ILSE, registered_at="2024-06-04T10:00:00+02:00", offences=["300"])
    for n in range(6):
        suspect = {"given_names": f"Joost{n}", "surname": "Verhoeven", "birth_date": f"1971-03-{n + 10}"}
        victim = {"given_names": f"Femke{n}", "surname": "Smits", "birth_date": f"1976-04-{n + 10}"}
        take_in(f"PL0600-F{n}", suspect, victim, registered_at="2024-09-02T10:00:00+02:00", offences=["285"])
    take_in(
        "PL0900-E1",
        BART,
        ILSE,
        registered_at="2024-10-01T10:00:00+02:00",
        offences=["300"],
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    figures_refresh()

    login(page, "analist", "ketenzicht-demo")
    page.get_by_test_id("home-insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cijfers over huiselijk geweld en belaging")
    filters = page.get_by_test_id("insights-filters")
    filters.get_by_label("Gebied", exact=True).select_option(label="Politie eenheid Oost-Brabant")
    filters.get_by_label("Jaar", exact=True).select_option("2024")
    filters.get_by_label("Cijfers per", exact=True).select_option(label="per maand")
    page.get_by_test_id("insights-show").click()
    expect(page.get_by_test_id("insights-area")).to_have_text("Politie eenheid Oost-Brabant, 2024")

    chart = page.get_by_test_id("insights-chart-registrations")
    expect(chart).to_be_visible()
    expect(chart.locator("rect").first).to_be_attached()
    table = page.get_by_test_id("insights-table-registrations")
    expect(table.get_by_role("row", name="september 2024")).to_contain_text("5")  # six threats: published 5
    expect(table.get_by_role("row", name="maart 2024")).to_contain_text("<5")  # one stalking registration
    total = page.get_by_test_id("insights-total-registrations")
    expect(total).to_contain_text("10")  # ten in 2024, three of them stalking: <5
    expect(total).to_contain_text("<5")
    expect(page.get_by_test_id("insights-compare-table")).to_contain_text("Zeeland-West-Brabant")

    with page.expect_download() as waiting:
        page.get_by_test_id("insights-export").click()
    download = waiting.value
    assert download.suggested_filename == "ketenzicht-cijfers-oost-brabant-2024-per-maand.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    assert text.splitlines()[0] == "onderwerp;onderdeel;gebied;periode;eenheid;waarde;toelichting"
    subject = "Registraties van huiselijk geweld en belaging;belaging (art. 285b Sr)"
    assert f"{subject};Politie eenheid Oost-Brabant;maart 2024;aantal;;minder dan 5 (niet getoond)" in text
    for line in text.splitlines()[1:]:
        _subject, _part, _area, _period, unit, value, _note = line.rsplit(";", 6)
        assert unit != "aantal" or value == "" or int(value) % 5 == 0, line
    assert "Hendriks" not in text and "Verhoeven" not in text
    actions = set(
        AccessLogEntry.objects.filter(actor_username="analist", object_type="statistics").values_list(
            "action", flat=True
        )
    )
    assert actions == {"list", "export"}
