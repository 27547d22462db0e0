"""Pages in English show no Dutch words that come from data: the reasons a case was opened for (its title)
and a notification was made for, the screening level, the offences of a ZSM request, the deadline and the
prosecutor's post in an alert. The same pages in Dutch show the Dutch words. An instrument's texts exist
only in Dutch (licensed or validated wording): an English page shows them in Dutch, marked as Dutch, with a
note."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import protocol_check
from ketenzicht.workprocesses.services import case_record, case_take
from tests.patterns.helpers import BART, ILSE, take_in
from tests.prosecution.helpers import police_case_of, send_to_zsm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_kept() -> Iterator[None]:
    """A request's language does not outlive the test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _client(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _pages(user: Any, *urls: str) -> dict[str, str]:
    """The pages in each language, joined: language -> the text of every page."""
    found = {}
    for language in ("en", "nl"):
        client = _client(user, language)
        answers = [client.get(url) for url in urls]
        assert [answer.status_code for answer in answers] == [200] * len(urls)
        found[language] = "".join(answer.content.decode() for answer in answers)
    return found


@pytest.fixture
def stalking_case(make_user: Callable[..., Any]) -> Any:
    """A stalking report (285b) between ex-partners, 20 days ago: a police screening case whose title the
    case rules wrote, a notification to Veilig Thuis that gave no feedback in time (an alert), and the level
    of a screening recorded on the case."""
    registration = take_in(
        "PL0600-EN-1",
        BART,
        ILSE,
        registered_at=(timezone.now() - timedelta(days=20)).isoformat(timespec="seconds"),
        offences=["285b"],
    )
    case = police_case_of(registration)
    case_record(case, values={"screening_level": "standard"}, actor=None, expected_version=None)
    protocol_check()
    return case


def test_a_police_case_shows_its_reason_and_level_in_the_pages_language(
    make_user: Callable[..., Any], stalking_case: Any
) -> None:
    owner = make_user("case_owner", organisation="oost-brabant")
    pages = _pages(
        owner,
        reverse("workprocesses:case-list"),
        reverse("workprocesses:case-detail", args=[stalking_case.pk]),
        reverse("workprocesses:alerts"),
    )
    english, dutch = pages["en"], pages["nl"]
    # The title the case rules wrote (stored in Dutch) starts with the reason in the page's language; the
    # persons' names stay as written.
    assert stalking_case.title.startswith("Belaging (art. 285b Sr) (")
    assert "Stalking (art. 285b Sr) (Bart Mertens → Ilse Coenen)" in english
    assert "Belaging (art. 285b Sr) (Bart Mertens → Ilse Coenen)" in dutch
    # The recorded level, on the case and in its history.
    assert "Standard concern" in english and "Standaard" in dutch
    # The alert that Veilig Thuis gave no feedback: its deadline in the reader's words.
    assert "end of the day" in english and "einde van de dag" in dutch
    for word in ("Belaging", "Standaard", "einde van de dag", "Huiselijke relatie"):
        assert word not in english, word


def test_a_notification_shows_why_it_was_made_in_the_pages_language(
    make_user: Callable[..., Any], stalking_case: Any
) -> None:
    notification = Notification.objects.get(police_case=stalking_case)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    pages = _pages(assessor, reverse("workprocesses:case-detail", args=[notification.case_id]))
    assert "Domestic relation (partner, ex-partner, family, child)" in pages["en"]
    assert "Stalking (art. 285b Sr)" in pages["en"]
    assert "Huiselijke relatie (partner, ex-partner, familie, kind)" in pages["nl"]
    assert "Belaging (art. 285b Sr)" in pages["nl"]
    for word in ("Huiselijke relatie", "Belaging"):
        assert word not in pages["en"], word


def test_the_screening_form_shows_the_instruments_dutch_with_a_note_in_english(
    make_user: Callable[..., Any], stalking_case: Any
) -> None:
    screener = make_user("case_screener", organisation="oost-brabant")
    url = reverse("screening:screening-new", args=[stalking_case.pk])
    pages = _pages(screener, url + "?instrument=marac_criteria")
    question = "Heeft de verdachte een wapen gebruikt of ermee gedreigd?"
    # Never translated here: in Dutch on both pages, marked as Dutch; the English page says so once.
    assert f'<span lang="nl">{question}</span>' in pages["en"]
    assert f'<span lang="nl">{question}</span>' in pages["nl"]
    assert pages["en"].count("(available in Dutch only)") == 1
    assert "(available in Dutch only)" not in pages["nl"]
    assert "(alleen in het Nederlands beschikbaar)" not in pages["nl"]


def test_a_zsm_request_and_the_routing_alert_in_the_pages_language(make_user: Callable[..., Any]) -> None:
    eva = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    office = Organisation.objects.get(code="om-oost-brabant")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    file, _police_case = send_to_zsm(make_user, offences=["285b"])
    # The alert, and the line of the file's history that made her its owner (stored in Dutch).
    pages = _pages(eva, reverse("workprocesses:alerts"), reverse("workprocesses:case-detail", args=[file.pk]))
    assert "was routed to you (prosecutor for domestic violence and stalking)" in pages["en"]
    assert "eva · prosecutor for domestic violence and stalking" in pages["en"]
    assert "(officier huiselijk geweld en stalking)" in pages["nl"]
    assert "eva · officier huiselijk geweld en stalking" in pages["nl"]
    assert "officier huiselijk geweld" not in pages["en"]
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    request = file.requests.get(partner="victim_support")
    pages = _pages(victim_support, reverse("prosecution:request", args=[request.pk]))
    assert "Stalking (art. 285b Sr)" in pages["en"] and "Belaging" not in pages["en"]
    assert "Belaging (art. 285b Sr)" in pages["nl"]


def test_the_feedback_of_veilig_thuis_in_a_police_cases_history_in_the_pages_language(
    make_user: Callable[..., Any], stalking_case: Any
) -> None:
    """Stored in the installation's language (a record), shown in the reader's: the file's fields and
    choices translated, what the assessor wrote as written."""
    notification = Notification.objects.get(police_case=stalking_case)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case, "start_investigation", actor=assessor, expected_version=None,
        values={"unsafety": "structural"},
    )  # fmt: skip
    line = stalking_case.events.get(detail__notification=notification.case.reference)
    assert line.reason.startswith("Terugkoppeling van ")  # the record
    owner = make_user("case_owner", organisation="oost-brabant")
    pages = _pages(owner, reverse("workprocesses:case-detail", args=[stalking_case.pk]))
    reference = notification.case.reference
    assert f"on notification {reference}: Unsafety: Structural unsafety" in pages["en"]
    assert "Onveiligheid" not in pages["en"]
    assert f"over melding {reference}: Onveiligheid: Structurele onveiligheid" in pages["nl"]
