"""Posts: the district office's prosecutor for domestic violence and stalking, the substitute when absent."""

from datetime import date

import pytest
from django.utils import translation

from ketenzicht.organisations.models import Organisation, PostKind, User
from ketenzicht.organisations.selectors import (
    OnDuty,
    dv_prosecutor_for,
    holds_post,
    post_holders,
    post_holders_on,
    prosecutor_on_duty,
)
from ketenzicht.organisations.services import (
    ABSENCE_TOO_EARLY,
    AbsenceProblem,
    absence_problems,
    post_absence_set,
    post_assign,
    user_create,
)

pytestmark = pytest.mark.django_db


def _prosecutor(office: Organisation, username: str) -> User:
    return user_create(username=username, password=None, organisation=office, roles=["prosecutor"])


ON = date(2026, 12, 1)  # the day the absences below are recorded on


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
    post_absence_set(post, absent_from=date(2026, 12, 1), absent_until=date(2026, 12, 4), today=ON)
    assert dv_prosecutor_for(office, on=date(2026, 12, 3)) == (pieter, True)
    assert dv_prosecutor_for(office, on=date(2026, 12, 4)) == (pieter, True)
    assert dv_prosecutor_for(office, on=date(2026, 12, 5)) == (eva, False)
    post_absence_set(post, absent_from=None, absent_until=date(2026, 12, 9), today=ON)
    assert dv_prosecutor_for(office, on=date(2026, 12, 3)) == (eva, False)


def test_no_post_holder_present_means_nobody(office: Organisation) -> None:
    eva = _prosecutor(office, "eva")
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_absence_set(post, absent_from=date(2026, 12, 1), absent_until=None, today=ON)  # open-ended absence
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
        post_absence_set(post, absent_from=date(2026, 12, 5), absent_until=date(2026, 12, 1), today=ON)


def test_whoever_the_posts_say_stands_in_for_an_absent_prosecutor(office: Organisation) -> None:
    """A prosecutor an alert is meant for (a measure's, a file's owner) hears of it, unless an absence
    recorded on a post they hold covers the day: then the post holder, else the substitute, never the
    absent one; with nobody present, nobody by name (the caller addresses the office's prosecutors)."""
    eva, pieter, mirjam = (_prosecutor(office, name) for name in ("eva", "pieter", "mirjam"))
    dv = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    substitute = post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    coordinator = post_assign(organisation=office, user=mirjam, kind=PostKind.ZSM_COORDINATOR)
    day = date(2026, 12, 3)
    assert prosecutor_on_duty(office, on=day, prosecutor=eva) == OnDuty(eva)
    assert prosecutor_on_duty(office, on=day, prosecutor=mirjam) == OnDuty(mirjam)  # present: herself
    post_absence_set(dv, absent_from=date(2026, 12, 1), absent_until=date(2026, 12, 4), today=ON)
    assert prosecutor_on_duty(office, on=day, prosecutor=eva) == OnDuty(pieter, eva, PostKind.DV_SUBSTITUTE)
    assert prosecutor_on_duty(office, on=date(2026, 12, 5), prosecutor=eva) == OnDuty(eva)
    # Without a prosecutor of its own (a measure the police registered): the post holder's substitute.
    assert prosecutor_on_duty(office, on=day) == OnDuty(pieter, eva, PostKind.DV_SUBSTITUTE)
    # An absence is the person's, on whichever post it was recorded: Mirjam away as coordinator is away.
    post_absence_set(coordinator, absent_from=day, absent_until=day)
    assert prosecutor_on_duty(office, on=day, prosecutor=mirjam) == OnDuty(
        pieter, mirjam, PostKind.DV_SUBSTITUTE
    )
    post_absence_set(substitute, absent_from=day, absent_until=None)
    assert prosecutor_on_duty(office, on=day, prosecutor=eva) == OnDuty(None, eva)
    assert prosecutor_on_duty(office, on=day) == OnDuty(None, eva)
    assert dv_prosecutor_for(office, on=day) == (None, False)
    # The substitute's own measure while he is away: the post holder, back by then, stands in.
    assert prosecutor_on_duty(office, on=date(2026, 12, 7), prosecutor=pieter) == OnDuty(
        eva, pieter, PostKind.DV_PROSECUTOR
    )
    # A prosecutor who left (inactive) is no one to tell: the posts decide, as for no prosecutor.
    eva.is_active = False
    eva.save(update_fields=["is_active"])
    assert prosecutor_on_duty(office, on=date(2026, 12, 7), prosecutor=eva) == OnDuty(None)


def test_post_holders_present_and_absent(office: Organisation) -> None:
    eva, mirjam = _prosecutor(office, "eva"), _prosecutor(office, "mirjam")
    post_assign(organisation=office, user=eva, kind=PostKind.ZSM_COORDINATOR)
    post = post_assign(organisation=office, user=mirjam, kind=PostKind.ZSM_COORDINATOR)
    post_absence_set(post, absent_from=date(2026, 12, 1), absent_until=date(2026, 12, 4), today=ON)
    assert post_holders_on(office, PostKind.ZSM_COORDINATOR, on=date(2026, 12, 3)) == ([eva], [mirjam])
    assert post_holders_on(office, PostKind.ZSM_COORDINATOR, on=date(2026, 12, 5)) == ([eva, mirjam], [])


def test_an_absence_a_slip_of_the_year_away_is_refused_naming_its_field(office: Organisation) -> None:
    """An absence "from 01-01-1900" or "until 31-12-2999" is no absence anyone plans: refused, with the
    bound, and nothing stored; one that lasts longer than a year has no end ("until further notice")."""
    eva = _prosecutor(office, "eva")
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    for start, end, field, bound in (
        (date(1900, 1, 1), None, "absent_from", "2025-12-01"),
        (ON, date(2999, 12, 31), "absent_until", "2027-12-01"),
        (date(2999, 1, 1), None, "absent_from", "2027-12-01"),
    ):
        with pytest.raises(ValueError, match=f"^{field}: .*{bound}"):
            post_absence_set(post, absent_from=start, absent_until=end, today=ON)
    post.refresh_from_db()
    assert (post.absent_from, post.absent_until) == (None, None)
    post_absence_set(post, absent_from=date(2025, 12, 1), absent_until=date(2027, 12, 1), today=ON)
    post.refresh_from_db()
    assert (post.absent_from, post.absent_until) == (date(2025, 12, 1), date(2027, 12, 1))


def test_an_absence_out_of_its_window_says_its_days_in_the_singular_or_the_plural() -> None:
    """ "ten hoogste 1 dagen terug" read wrong: the number of days asks for its form, in Dutch too."""
    far = absence_problems(date(2025, 1, 1), date(2028, 1, 1), today=date(2026, 12, 7))
    one = AbsenceProblem("absent_from", ABSENCE_TOO_EARLY, {"days": 1, "day": "06-12-2026"})
    with translation.override("nl"):
        said = [problem.words() % problem.params for problem in [*far, one]]
    assert said[0].startswith("een afwezigheid wordt vastgelegd vanaf ten hoogste 365 dagen terug")
    assert said[1].startswith("een afwezigheid wordt ten hoogste 365 dagen vooruit vastgelegd")
    assert said[2] == (
        "een afwezigheid wordt vastgelegd vanaf ten hoogste 1 dag terug: deze datum kan niet voor 06-12-2026 "
        "liggen"
    )
