"""The review queue page: who sees which doubtful pairs, the waterfall, and decisions taking effect."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.engine.comparisons import COMPARISONS
from ketenzicht.linking.labels import level_label
from ketenzicht.linking.models import ReviewItem
from tests.people import DENNIS, person_of, register

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("doubtful_pair"),
]


@pytest.fixture
def doubtful_pair() -> tuple[Any, Any]:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    return first, second


def client_for(make_user: Callable[..., Any], role: str, organisation: str) -> Client:
    client = Client()
    client.force_login(make_user(role, organisation=organisation, username=f"{role}-{organisation}"))
    return client


def test_the_functional_administrator_sees_the_pair_with_its_waterfall(make_user: Callable[..., Any]) -> None:
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    listing = admin.get("/koppelingen/beoordelen/")
    assert listing.status_code == 200 and "R2" in listing.content.decode()
    item = ReviewItem.objects.get()
    page = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    assert 'data-testid="waterfall"' in page and "<svg" in page and "kz-waterfall__bar--up" in page
    assert "Linden" in page and 'item-value">1986</dd>' in page  # the partial birth date 1986-00-00
    entry = AccessLogEntry.objects.filter(object_type="review_item", action="view").get()
    assert entry.purpose == "review of person links" and entry.result == "shown"


def test_a_screener_sees_pairs_of_the_own_unit_only(make_user: Callable[..., Any]) -> None:
    own = client_for(make_user, "case_screener", "oost-brabant")
    other = client_for(make_user, "case_screener", "limburg")
    item = ReviewItem.objects.get()
    assert own.get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 200
    link = f'href="/koppelingen/beoordelen/{item.pk}/"'  # not a bare "R2": a CSRF token may hold that
    assert link in own.get("/koppelingen/beoordelen/").content.decode()
    assert link not in other.get("/koppelingen/beoordelen/").content.decode()
    assert other.get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 404


def test_accepting_merges_at_once_and_the_item_leaves_the_queue(
    make_user: Callable[..., Any], doubtful_pair: tuple[Any, Any]
) -> None:
    first, second = doubtful_pair
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    item = ReviewItem.objects.get()
    response = admin.post(f"/koppelingen/beoordelen/{item.pk}/", {"decision": "same"})
    assert response.status_code == 302
    assert person_of(first) == person_of(second)
    assert f"/koppelingen/beoordelen/{item.pk}/" not in admin.get("/koppelingen/beoordelen/").content.decode()
    page = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()  # decided: shown, to take back
    assert 'data-testid="decided"' in page and 'data-testid="undo"' in page
    assert 'data-testid="accept"' not in page and 'data-testid="reject"' not in page


def test_rejecting_keeps_them_apart(make_user: Callable[..., Any], doubtful_pair: tuple[Any, Any]) -> None:
    first, second = doubtful_pair
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    item = ReviewItem.objects.get()
    admin.post(f"/koppelingen/beoordelen/{item.pk}/", {"decision": "different"})
    assert person_of(first) != person_of(second)
    assert ReviewItem.objects.get().status == "rejected"


def test_the_comparison_levels_are_shown_in_dutch(make_user: Callable[..., Any]) -> None:
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    item = ReviewItem.objects.get()
    label = "exact, common name"  # the surname Linden
    assert label in [c["level"] for c in item.comparisons]  # stored as the engine says it
    page = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    assert "gelijk, veelvoorkomende naam" in page and label not in page
    admin.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert label in admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()


def test_every_level_of_the_engine_has_a_dutch_label() -> None:
    labels = {level.label for comparison in COMPARISONS for level in comparison.levels}
    with translation.override("nl"):
        untranslated = sorted(label for label in labels if level_label(label) == label)
    assert not untranslated, (
        f"mark {untranslated} in ketenzicht/linking/labels.py and translate them in django.po"
    )


def test_the_pair_links_its_registrations_only_for_a_reviewer_who_may_open_them(
    make_user: Callable[..., Any], doubtful_pair: tuple[Any, Any]
) -> None:
    first = doubtful_pair[0]
    item = ReviewItem.objects.get()
    screener = client_for(make_user, "case_screener", "oost-brabant")
    page = screener.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    for side, registration in (("a", item.mention.registration), ("b", item.candidate.registration)):
        link = page.split(f'data-testid="registration-{side}"', 1)[0].rsplit("<a ", 1)[1]
        assert f'href="/registraties/{registration.pk}/?terug=' in link
        assert screener.get(f"/registraties/{registration.pk}/").status_code == 200  # the link opens
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    assert admin.get(f"/registraties/{first.pk}/").status_code == 404  # the register keeps it from them
    page = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    assert 'data-testid="registration-' not in page and first.reference in page  # named, not linked


def test_the_weights_read_alike_in_chart_and_table_and_the_terms_are_explained(
    make_user: Callable[..., Any],
) -> None:
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    item = ReviewItem.objects.get()
    with translation.override("en"):
        admin.cookies["django_language"] = "en"
        page = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    chart = page.split('data-testid="waterfall"', 1)[1].split("</figure>", 1)[0]
    table = page.split('data-testid="weights"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'class="kz-waterfall__value">([^<]+)<', chart)
    cells = re.findall(r'<td class="utrecht-table__cell">([+-]\d+\.\d\d)</td>', table)
    assert shown and shown == cells  # prior, each field, total: the same figures, the same rounding
    assert ">null<" not in table and ">else<" not in table  # the engine's codes, in words
    assert ">missing on one side<" in table
    assert 'data-testid="review-terms"' in page and "Prior" in page.split('data-testid="review-terms"', 1)[1]
    listing = admin.get("/koppelingen/beoordelen/").content.decode()
    assert "Priority: the higher, the sooner." in listing


def test_a_decision_and_its_taking_back_keep_the_reviewers_reasons(make_user: Callable[..., Any]) -> None:
    """A reviewer could merge or take a merge back without a word of why: both forms now take a reason,
    the decided item and the list of decisions show it, and the item's history keeps both."""
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    admin.cookies["django_language"] = "nl"
    item = ReviewItem.objects.get()
    form = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    assert 'name="note"' in form and "Toelichting (niet verplicht)" in form
    why = "Zelfde adres en telefoon in het proces-verbaal."
    admin.post(f"/koppelingen/beoordelen/{item.pk}/", {"decision": "same", "note": f"  {why} "})
    decided = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    assert f"Toelichting: {why}" in decided.split('data-testid="decided"')[1].split("</div>")[0]
    listed = admin.get("/koppelingen/beoordelen/besluiten/").content.decode()
    assert why in listed.split(f'data-testid="decision-note-{item.pk}">')[1].split("</td>")[0]
    assert 'name="note"' in decided  # the undo form asks why too
    admin.post(
        f"/koppelingen/beoordelen/{item.pk}/", {"action": "undo", "note": "Andere geboortedatum in BRP."}
    )
    assert [(e.kind, e.note) for e in item.events.all()] == [
        ("decided", why),
        ("reopened", "Andere geboortedatum in BRP."),
    ]
    reopened = admin.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    told = reopened.split('data-testid="taken-back">')[1].split("</div>")[0]
    assert "Een eerder besluit over dit item is teruggedraaid op" in told
    assert "Toelichting: Andere geboortedatum in BRP." in told


def test_a_reason_too_long_decides_nothing_and_says_why(
    make_user: Callable[..., Any], doubtful_pair: tuple[Any, Any]
) -> None:
    first, second = doubtful_pair
    admin = client_for(make_user, "functional_admin", "ketenzicht-beheer")
    admin.cookies["django_language"] = "nl"
    item = ReviewItem.objects.get()
    page = admin.post(
        f"/koppelingen/beoordelen/{item.pk}/", {"decision": "same", "note": "x" * 501}, follow=True
    )
    assert (
        "Toelichting: hoogstens 500 tekens (u typte er 501); er is niets besloten." in page.content.decode()
    )
    assert ReviewItem.objects.get().status == "open" and person_of(first) != person_of(second)
    assert not item.events.exists()
