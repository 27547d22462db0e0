"""A screening case's heading (the case page's lead line, the list of cases) names its pair as every list
does: by the persons' list names among the registrations the reader may see, read when the page is shown,
not by the title written when the case opened."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.headings import case_heading
from tests.clients import signed_in
from tests.measures.helpers import LOTTE_MISSPELT, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db


def _about(html: str) -> list[str]:
    """What the page says each case is about (the case page's lead line, the list's column)."""
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(
            r'(?:utrecht-paragraph--lead|kz-wrap)"[^>]*>(.*?)</(?:p|td)>', html, flags=re.S
        )
    ]


def test_the_heading_follows_the_list_name_after_later_registrations_spell_the_victim_more_often(
    make_user: Callable[..., Any],
) -> None:
    first = take_in("PL0600-K-1", MARCO, LOTTE_MISSPELT, registered_at=recent(20))
    [screening] = ScreeningCase.objects.select_related("case")
    case = screening.case
    # Written once, at opening, with the only spelling there was then.
    assert case.title.endswith("(Marco Hendriks → Lote de Witt)")
    take_in("PL0600-K-2", MARCO, LOTTE, registered_at=recent(10))
    take_in("PL0600-K-3", MARCO, LOTTE, registered_at=recent(5))
    assert case.registrations.count() == 3 and ScreeningCase.objects.count() == 1
    assert person_of(first, "p2") == screening.victim  # one person, three mentions
    case.refresh_from_db()
    assert case.title.endswith("(Marco Hendriks → Lote de Witt)")  # the record of the opening stays

    screener = make_user("case_screener")
    client = signed_in(screener)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    [heading] = _about(page)
    assert heading.endswith("(Marco Hendriks → Lotte de Wit)")  # as the queue and the persons name her
    assert "Lote de Witt" not in heading
    # The reason before the pair, in the page's language, as the title wrote it.
    assert heading.startswith(case.title.split(" (")[0])
    listed = client.get(reverse("workprocesses:case-list")).content.decode()
    assert _about(listed) == [heading]
    queue = client.get(reverse("screening:queue")).content.decode()
    assert "Marco Hendriks → Lotte de Wit" in queue  # the list beside it says the same


def test_a_reader_who_may_not_see_the_registration_that_named_the_victim_does_not_get_its_spelling(
    make_user: Callable[..., Any],
) -> None:
    # Only a registration of another unit names Lotte (as "Lote de Witt"); a breach of her measure in
    # Oost-Brabant, naming Marco alone, opens the pair's case there, titled with that spelling.
    elsewhere = take_in(
        "PL0900-K-4",
        MARCO,
        LOTTE_MISSPELT,
        registered_at=recent(9),
        relation="neighbour",
        unit="zeeland-west-brabant",
    )
    restraining_order(person_of(elsewhere, "p1"), person_of(elsewhere, "p2"), None)
    bound_alone("PL0600-K-5", offences=["184a"])
    [screening] = ScreeningCase.objects.select_related("case")
    case = screening.case
    assert case.organisation.code == "oost-brabant"
    assert case.title.endswith("(Marco Hendriks → Lote de Witt)")

    screener = make_user("case_screener")
    client = signed_in(screener)
    # The list reads without a purpose: the other unit's registration is not the screener's to see, so
    # the victim is said by her role, Marco by the arrest's spelling.
    listed = client.get(reverse("workprocesses:case-list")).content.decode()
    [heading] = _about(listed)
    assert heading.endswith("(Marco Hendriks → slachtoffer)")
    assert "Lote de Witt" not in listed and "Lotte" not in listed
    # A team lead sees registrations only under a purpose: in the list nobody is named.
    lead = make_user("team_lead")
    [lead_heading] = _about(signed_in(lead).get(reverse("workprocesses:case-list")).content.decode())
    assert lead_heading.endswith("(verdachte → slachtoffer)")
    # The case page reads under the case as purpose (police registrations nationally): named as its
    # persons are named on it.
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert _about(page)[0].endswith("(Marco Hendriks → Lote de Witt)")
    assert case_heading(case, user=screener, purposed=True) == _about(page)[0]
