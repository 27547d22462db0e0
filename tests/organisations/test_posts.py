"""Posts: the district office's prosecutor for domestic violence and stalking, the substitute when absent."""

from datetime import date

import pytest

from ketenzicht.organisations.models import Organisation, PostKind, User
from ketenzicht.organisations.selectors import dv_prosecutor_for, holds_post, post_holders
from ketenzicht.organisations.services import post_absence_set, post_assign, user_create

pytestmark = pytest.mark.django_db


def _prosecutor(office: Organisation, username: str) -> User:
    return user_create(username=username, password=None, organisation=office, roles=["prosecutor"])


@pytest.fixture
def office(reference_data: None) -> Organisation:
    return Organisation.objects.get(code="om-oost-brabant")


def test_the_post_holder_takes_the_cases_and_the_substitute_stands_in_while_absent(
    office: Organisation,
) -> None:
    eva = _prosecutor(office, "eva")
    pieter = _prosecutor(office, "pieter")
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    assert dv_prosecutor_for(office, on=date(2026, 12, 3)) == (eva, False)
    post_absence_set(post, absent_from=date(2026, 12, 1), absent_until=date(2026, 12, 4))
    assert dv_prosecutor_for(office, on=date(2026, 12, 3)) == (pieter, True)
    assert dv_prosecutor_for(office, on=date(2026, 12, 4)) == (pieter, True)
    assert dv_prosecutor_for(office, on=date(2026, 12, 5)) == (eva, False)
    post_absence_set(post, absent_from=None, absent_until=date(2026, 12, 9))
    assert dv_prosecutor_for(office, on=date(2026, 12, 3)) == (eva, False)


def test_no_post_holder_present_means_nobody(office: Organisation) -> None:
    eva = _prosecutor(office, "eva")
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_absence_set(post, absent_from=date(2026, 12, 1), absent_until=None)  # open-ended absence
    assert dv_prosecutor_for(office, on=date(2027, 6, 1)) == (None, False)
    other = Organisation.objects.get(code="om-limburg")
    assert dv_prosecutor_for(other, on=date(2026, 12, 3)) == (None, False)


def test_a_post_is_held_in_the_users_own_organisation(office: Organisation) -> None:
    eva = _prosecutor(office, "eva")
    with pytest.raises(ValueError, match="own organisation"):
        post_assign(organisation=Organisation.objects.get(code="om-limburg"), user=eva, kind="dv_prosecutor")
    with pytest.raises(ValueError, match="unknown post"):
        post_assign(organisation=office, user=eva, kind="chief")
    post = post_assign(organisation=office, user=eva, kind=PostKind.ZSM_COORDINATOR)
    assert post_holders(office, PostKind.ZSM_COORDINATOR) == [eva]
    assert holds_post(eva, PostKind.ZSM_COORDINATOR) and not holds_post(eva, PostKind.NATIONAL_PORTFOLIO)
    with pytest.raises(ValueError, match="ends before"):
        post_absence_set(post, absent_from=date(2026, 12, 5), absent_until=date(2026, 12, 1))
