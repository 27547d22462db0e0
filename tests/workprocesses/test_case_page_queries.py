"""The case page at the speed of work (bench/desk_pages.py): the colleagues who may own a case or be the
victim's contact person are read once for the page (the owner's form, the contact's form and their absences
list the same people), and what is posted is still checked against who may take it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_open

pytestmark = pytest.mark.django_db

COLLEAGUES = 'SELECT DISTINCT "organisations_user"'


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _named(user: Any, first: str, last: str) -> Any:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_the_case_page_reads_the_colleagues_once_for_both_assignment_forms(
    make_user: Callable[..., Any],
) -> None:
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    owner = _named(make_user("case_owner"), "Marco", "van Dijk")
    elsewhere = _named(make_user("case_owner", organisation="zeeland-west-brabant"), "Elders", "Collega")
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft bellen",
        actor=None,
    )
    client = _client(screener)
    path = reverse("workprocesses:case-detail", args=[case.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as page:
        response = client.get(path)
    assert response.status_code == 200
    assert sum(1 for q in page.captured_queries if q["sql"].startswith(COLLEAGUES)) == 1  # was three
    html = response.content.decode()
    for form in ("owner", "contact"):  # both forms list the unit's colleagues, by name, nobody else
        select = html.split(f'name="{form}-person"')[1].split("</select>")[0]
        assert "Kies een collega" in select and "Marco van Dijk" in select and "Ingrid Verhoeven" in select
        assert f'value="{owner.pk}"' in select and "Elders" not in select
    # What is posted is checked against who may take it, as before: another unit's user is refused.
    act = reverse("workprocesses:case-act", args=[case.pk])
    refused = client.post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": elsewhere.pk}
    )
    assert refused.status_code == 422 and Case.objects.get(pk=case.pk).owner is None
    taken = client.post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": owner.pk}
    )
    assert taken.status_code == 302 and Case.objects.get(pk=case.pk).owner == owner
