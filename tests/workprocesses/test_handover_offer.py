"""The case page offers the forms to assign the owner and the victim's contact person exactly when the
kernel would take them from the user: a colleague who may not hand the case over is told who holds it and
who may, not given a form that is refused once filled in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.services import case_assign_contact, case_assign_owner, case_open

pytestmark = pytest.mark.django_db


def _open() -> Any:
    return case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Bedreiging ex-partner",
        actor=None,
        at=datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM),
    )


def _page(user: Any, case: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("workprocesses:case-detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _held(page: str, which: str) -> str:
    found = re.search(rf'data-testid="{which}-held">([^<]*)<', page)
    return found.group(1) if found else ""


def test_the_police_case_page_offers_the_assignments_only_to_who_may_make_them(
    make_user: Callable[..., Any],
) -> None:
    owner, contact, colleague = make_user("case_owner"), make_user("case_owner"), make_user("case_owner")
    lead = make_user("team_lead")
    owner.first_name, owner.last_name = "Ingrid", "Jansen"
    owner.save(update_fields=["first_name", "last_name"])
    contact.first_name, contact.last_name = "Karim", "Bakker"
    contact.save(update_fields=["first_name", "last_name"])
    case = _open()
    # Nobody has it: anyone who works the case may take it.
    page = _page(colleague, case)
    assert 'data-testid="owner-form"' in page and 'data-testid="contact-form"' in page
    case = case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    case = case_assign_contact(case, contact=contact, actor=owner, expected_version=None)
    # A colleague: neither form, who holds each and who may hand it over.
    page = _page(colleague, case)
    assert 'data-testid="owner-form"' not in page and 'data-testid="contact-form"' not in page
    assert _held(page, "owner") == (
        "Ingrid Jansen heeft dit in behandeling: alleen die collega of een teamleider kan het overdragen."
    )
    assert _held(page, "contact") == (
        "Karim Bakker is de vaste contactpersoon van het slachtoffer: alleen die collega, de eigenaar van "
        "de zaak of een teamleider kan dit wijzigen."
    )
    # The owner hands over the case and changes the contact person; the contact person changes themselves.
    page = _page(owner, case)
    assert 'data-testid="owner-form"' in page and 'data-testid="contact-form"' in page
    page = _page(contact, case)
    assert 'data-testid="owner-form"' not in page and 'data-testid="contact-form"' in page
    # A team lead does both.
    page = _page(lead, case)
    assert 'data-testid="owner-form"' in page and 'data-testid="contact-form"' in page
