"""The case page's history of the pair lists the pair's registrations of every police unit, read under the
case; each links to its registration page with the case as purpose. A walk found that link answering "Niet
gevonden" for another unit's registration that the same user could open from the person's dossier: the
link's purpose held only for the registrations on the case itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.models import ScreeningCase
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def test_another_units_registration_of_the_pair_opens_from_the_case_under_the_case(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-H-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="ex_partner",
            offences=["285b"])  # fmt: skip
    take_in("PL0900-H-2", MARCO, LOTTE, registered_at="2024-04-06T09:12:00+01:00", relation="ex_partner",
            offences=["285b"], unit="zeeland-west-brabant")  # fmt: skip
    other = Registration.objects.get(reference="PL0600-H-1")  # Oost-Brabant's
    case = ScreeningCase.objects.get(unit__code="zeeland-west-brabant").case
    assert not case.registrations.filter(pk=other.pk).exists()
    client = Client()
    client.force_login(make_user("case_screener", organisation="zeeland-west-brabant"))

    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    link = f"{reverse('registrations:detail', args=[other.pk])}?zaak={case.pk}"
    assert link in page.split('data-testid="pair-history"')[1]  # the history lists it, linked
    answer = client.get(link)
    assert answer.status_code == 200 and "PL0600-H-1" in answer.content.decode()
    entry = AccessLogEntry.objects.filter(object_type="registration", object_id=str(other.pk)).latest("id")
    assert entry.purpose == f"case {case.reference}"  # read under the case, as the list was
    # Without the case as purpose, another unit's registration is not this screener's to open.
    assert client.get(reverse("registrations:detail", args=[other.pk])).status_code == 404
    # Nor under a case of another pair: the purpose holds for what that case's page lists.
    petra = {**LOTTE, "given_names": "Petra", "surname": "Jansen", "birth_date": "1990-01-02"}
    take_in("PL0900-H-3", MARCO, petra, registered_at="2024-05-06T09:12:00+01:00", relation="ex_partner",
            offences=["285b"], unit="zeeland-west-brabant")  # fmt: skip
    stranger = ScreeningCase.objects.exclude(case=case).filter(unit__code="zeeland-west-brabant").get().case
    assert (
        client.get(f"{reverse('registrations:detail', args=[other.pk])}?zaak={stranger.pk}").status_code
        == 404
    )
