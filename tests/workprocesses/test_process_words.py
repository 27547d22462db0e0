"""The work processes' words (labels of processes, states, steps, fields and choices: Dutch in the versioned
files, which a loaded version never changes) have their English in data/translations/en.yaml: English pages
show it, Dutch pages and what is stored keep the file's words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.definitions import definition_files, definition_of
from ketenzicht.workprocesses.engine.definition import load_definition
from ketenzicht.workprocesses.forms import TransitionForm
from ketenzicht.workprocesses.labels import (
    data_text,
    dutch_words,
    english_words,
    process_texts,
    stored_step_text,
    texts_without_english,
)
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_take
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_desk import _days_ago, _english


def test_every_text_of_every_process_file_has_its_english() -> None:
    """Every version of every process, old ones too (cases keep running on them): a new version whose new
    words lack an entry fails here, naming them."""
    missing = {
        path.name: texts
        for path in definition_files()
        if (texts := texts_without_english(load_definition(path)))
    }
    assert not missing, f"add these texts to data/translations/en.yaml: {missing}"


def test_a_version_with_a_new_word_is_named_until_its_english_is_added(tmp_path: Path) -> None:
    """What the check above reports for a new version: the texts of it that the catalogue lacks."""
    source = next(path for path in definition_files() if path.name == "ex_partner_stalking.v2.yaml")
    text = source.read_text(encoding="utf-8").replace("version: 2", "version: 3")
    text = text.replace("label: Verdachte aanhouden", "label: Verdachte ontbieden")
    (tmp_path / "ex_partner_stalking.v3.yaml").write_text(text, encoding="utf-8")
    assert texts_without_english(load_definition(tmp_path / "ex_partner_stalking.v3.yaml")) == [
        "Verdachte ontbieden"
    ]


def test_every_entry_is_a_word_of_a_process_file() -> None:
    """No entry for a text that no version uses (a typo in the Dutch would go unnoticed otherwise)."""
    used = {text for path in definition_files() for text in process_texts(load_definition(path))}
    assert sorted(set(english_words()) - used) == []


def test_every_dutch_page_word_is_a_word_of_a_process_file() -> None:
    used = {text for path in definition_files() for text in process_texts(load_definition(path))}
    assert dutch_words() and sorted(set(dutch_words()) - used) == []


def test_the_break_glass_review_reads_as_dutch_on_a_dutch_page() -> None:
    """Its loaded file says "Beoordeling doorbraak (break-the-glass)": an English term, and with the page's
    "(versie 1)" two brackets in a row. The file stays; the page shows plain Dutch."""
    with translation.override("nl"):
        assert data_text("Beoordeling doorbraak (break-the-glass)") == "Beoordeling doorbraak"
    with translation.override("en"):
        assert data_text("Beoordeling doorbraak (break-the-glass)") == (
            "Review of an emergency access (break-the-glass)"
        )


def test_the_word_in_the_users_language() -> None:
    with translation.override("en"):
        assert data_text("Screening starten") == "Start screening"
        assert data_text("Gescreend, besluit nodig") == "Screened, decision needed"
        assert data_text("Iets zonder Engels") == "Iets zonder Engels"  # no entry: the text itself
        assert data_text("") == ""
    with translation.override("nl"):
        assert data_text("Screening starten") == "Screening starten"


@pytest.mark.django_db
def test_an_alerts_stored_step_is_shown_in_english_when_every_part_is_known() -> None:
    with translation.override("en"):
        assert stored_step_text("Screening afronden") == "Complete screening"
        assert stored_step_text("Screening afronden: Urgentie Acuut → Laag") == (
            "Complete screening: Urgency Acute → Low"
        )
        # A part the catalogue lacks (a desk's own words): as stored, never half translated.
        assert stored_step_text("Screening afronden: Risiconiveau Hoog → Laag") == (
            "Screening afronden: Risiconiveau Hoog → Laag"
        )
        assert stored_step_text("Risiconiveau verlaagd naar Hoog") == "Risiconiveau verlaagd naar Hoog"
    with translation.override("nl"):
        assert stored_step_text("Screening afronden: Urgentie Acuut → Laag") == (
            "Screening afronden: Urgentie Acuut → Laag"
        )


def _case() -> Case:
    """A domestic-violence case of the Oost-Brabant unit, new (not screened yet)."""
    take_in("PL0600-W-1", MARCO, LOTTE, registered_at=_days_ago(1), relation="partner", summary="Ruzie.")
    return ScreeningCase.objects.get().case


@pytest.mark.django_db
def test_the_case_page_and_the_queue_show_the_process_words_in_the_users_language(
    make_user: Callable[..., Any],
) -> None:
    screener = make_user("case_screener")
    case = _case()
    detail = reverse("workprocesses:case-detail", args=[case.pk])
    english = _english(signed_in(screener)).get(detail).content.decode()
    assert 'data-testid="case-state">New<' in english
    assert "Start screening" in english and "Screening starten" not in english
    assert "Domestic violence screening" in english  # the process's label
    dutch = signed_in(screener).get(detail).content.decode()
    assert 'data-testid="case-state">Nieuw<' in dutch
    assert "Screening starten" in dutch and "Start screening" not in dutch

    queue = reverse("screening:queue")
    assert (
        '<td class="utrecht-table__cell">New</td>'
        in _english(signed_in(screener)).get(queue).content.decode()
    )
    assert '<td class="utrecht-table__cell">Nieuw</td>' in signed_in(screener).get(queue).content.decode()
    assert (
        '<td class="utrecht-table__cell">New</td>'
        in _english(signed_in(screener)).get(reverse("workprocesses:case-list")).content.decode()
    )

    # The history names the states in the user's language; what is stored keeps the installation's words.
    case_take(case, "start_screening", actor=screener, expected_version=None)
    english = _english(signed_in(screener)).get(detail).content.decode()
    assert "New → In screening" in english and "Nieuw →" not in english
    assert "Nieuw → In screening" in signed_in(screener).get(detail).content.decode()


@pytest.mark.django_db
def test_a_steps_form_asks_in_the_users_language(make_user: Callable[..., Any]) -> None:
    case = _case()
    definition = definition_of(case.process_version)
    step = next(t for t in definition.transitions if "urgency" in t.requires.fields)
    with translation.override("en"):
        form = TransitionForm(definition=definition, transition=step)
        field = form.fields["value_urgency"]
        assert field.label == "Urgency"
        assert dict(field.choices)["acute"] == "Acute"
    with translation.override("nl"):
        form = TransitionForm(definition=definition, transition=step)
        assert form.fields["value_urgency"].label == "Urgentie"


@pytest.mark.django_db
def test_an_alert_naming_a_state_is_shown_in_english_and_stored_in_dutch(
    make_user: Callable[..., Any],
) -> None:
    """An escalation names the state the case sat in too long: stored as the file names it, shown in the
    user's language."""
    from ketenzicht.workprocesses.alerts import alert_raise

    lead = make_user("team_lead")
    case = _case()
    alert_raise(
        kind="escalated",
        message="Case %(case)s is overdue in “%(state)s”.",
        organisation=case.organisation,
        case=case,
        role="team_lead",
        params={"case": case.reference, "state": "Nieuw"},
    )
    [alert] = alert_list_for_user(user=lead)
    assert alert.params["state"] == "Nieuw"
    with translation.override("en"):
        assert "“New”" in alert_text(alert)
    with translation.override("nl"):
        assert "“Nieuw”" in alert_text(alert)
