"""One Dutch word for one thing: a protective measure is a "beschermingsmaatregel" (docs/glossary.md), in
every translation, every page and every rule's label, never a "beschermende maatregel"."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketenzicht.organisations.models import User

ROOT = Path(__file__).resolve().parents[2] / "ketenzicht"
OTHER_TERM = re.compile(r"beschermende\s+maatregel", re.IGNORECASE)


def test_every_translation_calls_a_protective_measure_a_beschermingsmaatregel() -> None:
    catalogue = polib.pofile(str(ROOT / "locale/nl/LC_MESSAGES/django.po"))
    other = [e.msgid for e in catalogue if OTHER_TERM.search(" ".join([e.msgstr, *e.msgstr_plural.values()]))]
    assert other == []
    measures = [e for e in catalogue if e.msgid.startswith("Protective measure") and e.translated()]
    assert measures and all("eschermingsmaatregel" in e.msgstr for e in measures)


def test_the_rules_labels_and_the_templates_use_the_same_term() -> None:
    texts = [path.read_text(encoding="utf-8") for path in ROOT.rglob("*.html")]
    texts += [str(yaml.safe_load(path.read_text(encoding="utf-8"))) for path in ROOT.rglob("data/*.yaml")]
    assert not [text for text in texts if OTHER_TERM.search(text)]


@pytest.mark.django_db
def test_the_measures_page_is_headed_beschermingsmaatregelen(make_user: object) -> None:
    user: User = make_user("case_screener")  # type: ignore[operator]
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(reverse("measures:list")).content.decode()
    assert "<h1" in page and "Beschermingsmaatregelen</h1>" in page
