"""A step of the process the user's roles may not take is not offered, and the case page says who may: the
case's owner by name when they hold a role of the step, else the roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import Role
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_open

pytestmark = pytest.mark.django_db


def _screened(owner: Any = None) -> Case:
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft bellen",
        actor=None,
    )
    Case.objects.filter(pk=case.pk).update(state="screened", owner=owner)
    return case


def _page(user: Any, case: Case) -> str:
    client = Client()
    client.force_login(user)
    answer = client.get(reverse("workprocesses:case-detail", args=[case.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def _withheld(page: str, step: str) -> str:
    found = re.search(rf'data-testid="withheld-{step}">(.*?)</li>', page, re.S)
    assert found is not None, f"no word on {step}"
    return found.group(1)


def _label(role: str) -> str:
    with translation.override("nl"):
        return str(Role(role).label).lower()


def test_a_screener_is_told_that_the_case_owner_takes_the_step_to_the_zsm_table_by_name(
    make_user: Callable[..., Any],
) -> None:
    owner = make_user("case_owner")
    owner.first_name, owner.last_name = "Marco", "van Dijk"
    owner.save()
    screener = make_user("case_screener")
    page = _page(screener, _screened(owner))
    assert 'data-testid="step-send_to_zsm"' not in page and 'data-testid="step-notify_vt"' in page
    said = _withheld(page, "send_to_zsm")
    assert "Marco van Dijk" in said and _label(Role.TEAM_LEAD) in said
    assert 'data-testid="withheld-notify_vt"' not in page  # a step the screener takes is not withheld


def test_without_an_owner_holding_a_role_of_the_step_the_page_names_the_roles(
    make_user: Callable[..., Any],
) -> None:
    screener = make_user("case_screener")
    owner = make_user("case_screener")  # owns the case, but may not take the step either
    owner.first_name, owner.last_name = "Sanne", "de Boer"
    owner.save()
    for case in (_screened(), _screened(owner)):
        said = _withheld(_page(screener, case), "send_to_zsm")
        assert _label(Role.CASE_OWNER) in said and _label(Role.TEAM_LEAD) in said
        assert "Sanne de Boer" not in said


def test_a_team_lead_who_may_take_every_step_is_told_nothing_withheld(make_user: Callable[..., Any]) -> None:
    page = _page(make_user("team_lead"), _screened())
    assert 'data-testid="step-send_to_zsm"' in page and 'data-testid="withheld-steps"' not in page
