"""The ZSM coordinator divides the district office's files: they hand a file from one prosecutor to another,
as a team lead does at the police (a district office has no team lead), and the file's page offers the
hand-over exactly to whoever it would be accepted from. Nobody hands a file to a prosecutor recorded absent
today: refused, naming the absence, and marked in the list of colleagues."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from ketenzicht.organisations.models import Organisation, Post, PostKind
from ketenzicht.organisations.selectors import absences_on
from ketenzicht.organisations.services import post_absence_set, post_assign
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import refusal_text
from ketenzicht.workprocesses.services import case_assign_owner
from tests.clients import signed_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(reference_data: Any) -> Organisation:
    return Organisation.objects.get(code="om-oost-brabant")


def _named(user: Any, first: str, last: str) -> Any:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def people(office: Any, make_user: Any) -> dict[str, Any]:
    """Eva Smit holds the post for domestic violence and stalking (ZSM files go to her), Pieter Bos is her
    substitute, Mirjam Kuipers the ZSM coordinator, Sara Vos a prosecutor of the office without a post."""
    made = {
        key: _named(make_user("prosecutor", organisation="om-oost-brabant", username=key), first, last)
        for key, first, last in (
            ("eva", "Eva", "Smit"),
            ("pieter", "Pieter", "Bos"),
            ("mirjam", "Mirjam", "Kuipers"),
            ("sara", "Sara", "Vos"),
        )
    }
    post_assign(organisation=office, user=made["eva"], kind=PostKind.DV_PROSECUTOR)
    made["pieter_post"] = post_assign(organisation=office, user=made["pieter"], kind=PostKind.DV_SUBSTITUTE)
    post_assign(organisation=office, user=made["mirjam"], kind=PostKind.ZSM_COORDINATOR)
    return made


def _page(user: Any, case: Any) -> str:
    response = signed_in(user).get(reverse("workprocesses:case-detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _hand(user: Any, case: Any, person: Any, reason: str = "verdeling ZSM-tafel") -> Any:
    case.refresh_from_db()
    return signed_in(user).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "owner",
            "owner-lock_version": case.lock_version,
            "owner-person": person.pk,
            "owner-reason": reason,
        },
    )


def test_the_zsm_coordinator_is_offered_the_hand_over_and_hands_the_file_over(
    make_user: Any, people: Any
) -> None:
    file, _ = send_to_zsm(make_user)
    case = file.case
    assert case.owner == people["eva"]
    page = _page(people["mirjam"], case)
    assert 'data-testid="owner-form"' in page and 'data-testid="owner-held"' not in page
    response = _hand(people["mirjam"], case, people["sara"])
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == people["sara"]
    line = case.events.filter(kind="owner").order_by("-id").first()
    assert line is not None and line.actor_name == "mirjam" and line.reason == "verdeling ZSM-tafel"
    assert line.detail == {"from": "eva", "to": "sara"}


def test_a_prosecutor_without_the_post_is_told_who_hands_over_not_offered_a_form(
    make_user: Any, people: Any
) -> None:
    file, _ = send_to_zsm(make_user)
    case = file.case
    page = _page(people["sara"], case)
    assert 'data-testid="owner-form"' not in page
    held = re.search(r'data-testid="owner-held">([^<]*)<', page)
    assert held is not None
    assert held.group(1) == (
        "Eva Smit heeft dit in behandeling: alleen die collega, een teamleider of de ZSM-coördinator kan "
        "het overdragen."
    )
    # Sent anyway (an old page): refused at the colleague, naming the coordinator; nothing changes.
    response = _hand(people["sara"], case, people["sara"])
    assert response.status_code == 422
    assert "alleen die collega, een teamleider of de ZSM-coördinator kan het overdragen" in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.owner == people["eva"]
    # The owner herself is offered it.
    assert 'data-testid="owner-form"' in _page(people["eva"], case)


def test_the_kernel_takes_the_hand_over_from_the_coordinator_of_the_files_office_only(
    make_user: Any, people: Any, office: Any
) -> None:
    file, _ = send_to_zsm(make_user)
    case = file.case
    with pytest.raises(Refused) as refused:
        case_assign_owner(
            case, owner=people["sara"], actor=people["sara"], expected_version=None, reason="ik neem het"
        )
    assert refused.value.code == "handover"
    # A coordinator of another office does not lead this office's table.
    elsewhere = make_user("prosecutor", organisation="om-zeeland-west-brabant")
    post_assign(
        organisation=Organisation.objects.get(code="om-zeeland-west-brabant"),
        user=elsewhere,
        kind=PostKind.ZSM_COORDINATOR,
    )
    with pytest.raises(Refused) as refused:
        case_assign_owner(
            case, owner=people["pieter"], actor=elsewhere, expected_version=None, reason="verdeling"
        )
    assert refused.value.code == "handover"
    case = case_assign_owner(
        case, owner=people["pieter"], actor=people["mirjam"], expected_version=None, reason="verdeling"
    )
    assert case.owner == people["pieter"]


def test_a_hand_over_to_a_prosecutor_recorded_absent_today_is_refused_naming_the_absence(
    make_user: Any, people: Any
) -> None:
    file, _ = send_to_zsm(make_user)
    case = file.case
    today = timezone.localdate()
    ends = today + timedelta(days=4)
    post_absence_set(people["pieter_post"], absent_from=today, absent_until=ends)
    with pytest.raises(Refused) as refused:
        case_assign_owner(
            case, owner=people["pieter"], actor=people["mirjam"], expected_version=None, reason="verdeling"
        )
    assert refused.value.code == "absent"
    with translation.override("nl"):
        said = refusal_text(refused.value.code, refused.value.detail, params=refused.value.params)
    shown = (formats.date_format(today, "d-m-Y"), formats.date_format(ends, "d-m-Y"))
    assert said == (
        f"Pieter Bos, de vervanger, is afwezig van {shown[0]} tot en met {shown[1]}; kies een ander."
    )
    case.refresh_from_db()
    assert case.owner == people["eva"]
    # Until further notice: said so.
    post_absence_set(people["pieter_post"], absent_from=today, absent_until=None)
    with pytest.raises(Refused) as refused:
        case_assign_owner(
            case, owner=people["pieter"], actor=people["eva"], expected_version=None, reason="verlof"
        )
    with translation.override("nl"):
        said = refusal_text(refused.value.code, refused.value.detail, params=refused.value.params)
    assert said == f"Pieter Bos, de vervanger, is afwezig van {shown[0]} tot nader order; kies een ander."
    # An absence that starts tomorrow does not stand in the way today.
    post_absence_set(people["pieter_post"], absent_from=today + timedelta(days=1), absent_until=ends)
    case = case_assign_owner(
        case, owner=people["pieter"], actor=people["eva"], expected_version=None, reason="verlof"
    )
    assert case.owner == people["pieter"]


def test_the_refusal_points_to_the_substitute_only_where_the_absent_colleague_is_not_the_substitute(
    people: Any,
) -> None:
    """The substitute recorded absent is told apart: "or the substitute" would point back to them."""
    today = timezone.localdate()
    ends = today + timedelta(days=4)
    post_absence_set(people["pieter_post"], absent_from=today, absent_until=ends)
    post_absence_set(Post.objects.get(user=people["eva"]), absent_from=today, absent_until=None)
    absences = absences_on([people["eva"], people["pieter"]], on=today)
    shown = (formats.date_format(today, "d-m-Y"), formats.date_format(ends, "d-m-Y"))
    with translation.override("nl"):
        substitute = refusal_text("absent", "Pieter Bos", params=absences[people["pieter"].pk].params())
        prosecutor = refusal_text("absent", "Eva Smit", params=absences[people["eva"].pk].params())
    assert (
        substitute
        == f"Pieter Bos, de vervanger, is afwezig van {shown[0]} tot en met {shown[1]}; kies een ander."
    )
    assert (
        prosecutor == f"Eva Smit is afwezig van {shown[0]} tot nader order; kies een ander of de vervanger."
    )
    post_absence_set(people["pieter_post"], absent_from=today, absent_until=None)
    absent = absences_on([people["pieter"]], on=today)[people["pieter"].pk]
    with translation.override("nl"):
        said = refusal_text("absent", "Pieter Bos", params=absent.params())
    assert said == f"Pieter Bos, de vervanger, is afwezig van {shown[0]} tot nader order; kies een ander."


def test_the_file_page_marks_an_absent_colleague_and_refuses_at_the_colleague(
    make_user: Any, people: Any
) -> None:
    file, _ = send_to_zsm(make_user)
    case = file.case
    today = timezone.localdate()
    ends = today + timedelta(days=4)
    post_absence_set(people["pieter_post"], absent_from=today, absent_until=ends)
    until = formats.date_format(ends, "d-m-Y")
    page = _page(people["mirjam"], case)
    assert f"Pieter Bos (afwezig t/m {until})" in page
    assert "Sara Vos</option>" in page
    response = _hand(people["mirjam"], case, people["pieter"])
    assert response.status_code == 422
    body = response.content.decode()
    since = formats.date_format(today, "d-m-Y")
    assert f"Pieter Bos, de vervanger, is afwezig van {since} tot en met {until}; kies een ander." in body
    case.refresh_from_db()
    assert case.owner == people["eva"]
