"""ui.formats.in_installation_language: the words of a record (a history line, a value of a case) written in
the installation's language, whatever the language of the page that has them written, dates as the pages
show them. The one helper the desks write their records with (Veilig Thuis and the ZSM table had a copy each,
one of which left a date as Python prints it)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from ketenzicht.prosecution.services import COMPLAINT_LATE_NOTE, ORDER_PERIOD
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.services import TAKEN_OVER_BY_REGISTRATION_NOTE


def test_a_record_is_written_in_the_installations_language_from_an_english_page() -> None:
    with translation.override("en"):
        assert in_installation_language(COMPLAINT_LATE_NOTE, due="x") == "klacht na de termijn (x)"
        vt = in_installation_language(TAKEN_OVER_BY_REGISTRATION_NOTE, notification="VT-2026-000001")
        assert "VT-2026-000001" in vt
        with translation.override("nl"):
            dutch = translation.gettext(TAKEN_OVER_BY_REGISTRATION_NOTE) % {"notification": "VT-2026-000001"}
        assert vt == dutch and vt != TAKEN_OVER_BY_REGISTRATION_NOTE % {"notification": "VT-2026-000001"}
        assert translation.get_language() == "en"  # the page's language is left as it was


def test_dates_and_times_are_written_as_the_pages_show_them() -> None:
    period = in_installation_language(
        ORDER_PERIOD, start=dt.date(2026, 3, 1), end=dt.date(2026, 9, 1), measure="MR-2026-000001"
    )
    assert period == "01-03-2026 t/m 01-09-2026 (MR-2026-000001)"
    late = in_installation_language(
        COMPLAINT_LATE_NOTE, due=dt.datetime(2026, 12, 7, 23, 30, tzinfo=ZoneInfo("UTC"))
    )
    assert late == "klacht na de termijn (08-12-2026 00:30)"  # local time, Europe/Amsterdam


def test_a_text_without_a_translation_is_written_as_it_is() -> None:
    untranslated = gettext_noop("no such text %(n)s")
    assert in_installation_language(untranslated, n=3) == "no such text 3"


def test_a_lazy_text_is_rendered_in_the_installations_language() -> None:
    """A label (gettext_lazy) or words put together by a function (`lazy`), as the message or a param."""

    def words() -> str:
        return f"{gettext('Reason')}: {gettext('Police case %(case)s') % {'case': 'Z1'}}"

    with translation.override("en"):
        assert in_installation_language(gettext_lazy("Reason")) == "Reden"
        assert in_installation_language(lazy(words, str)()) == "Reden: Politiezaak Z1"
        said = in_installation_language(COMPLAINT_LATE_NOTE, due=gettext_lazy("Reason"))
        assert said == "klacht na de termijn (Reden)"
        assert translation.get_language() == "en"


def test_records_are_written_with_the_one_helper_not_a_switch_of_their_own() -> None:
    """Prosecution feedback, decisions, measures' history and the screening's breach line each switched to the
    installation's language inline: one way to write a record's words is kept the same everywhere."""
    root = Path(__file__).resolve().parents[2]
    switch = re.compile(r"\b(override|activate)\(\s*(settings\.LANGUAGE_CODE|\"nl\"|'nl')")
    found = {
        path.relative_to(root).as_posix()
        for path in (root / "ketenzicht").rglob("*.py")
        if path.name != "formats.py" and switch.search(path.read_text(encoding="utf-8"))
    }
    assert sorted(found) == []
