"""A user who leaves gives back what they held. The functional administrator deactivates on a page that
lists it (the open cases they own, the acute ones among them, where they are the victim's contact person,
their posts) and asks why; once done, the open cases are their unit's again (no owner, found by the queue's
"nobody yet"), each history says so, and the unit's team leads get one alert naming the cases. A ZSM file
goes to the prosecutor who stands in, as when its prosecutor is absent. An owner deactivated before (an
old deactivation, a case reopened after it) is marked as such, and the case is the unit's to take."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, Post, PostKind, User
from ketenzicht.organisations.selectors import prosecutor_on_duty
from ketenzicht.organisations.services import post_assign, user_set_active
from ketenzicht.organisations.signals import user_deactivated
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent, EventKind
from ketenzicht.workprocesses.services import case_assign_contact, case_assign_owner
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

MakeUser = Callable[..., Any]
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}
ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}


def _client(user: User, language: str = "nl") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _two_cases() -> tuple[Case, Case]:
    take_in("PL0600-LEFT-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-LEFT-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", offences=["285b"])
    found = {s.victim_name.split()[0]: s.case for s in ScreeningCase.objects.select_related("case")}
    return found["Lotte"], found["Anna"]


def _queue(client: Client, **params: str) -> str:
    return client.get(reverse("screening:queue"), params).content.decode()


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return _named(make_user("functional_admin", organisation="ketenzicht-beheer"), "Kees", "Beheer")


def test_deactivating_asks_why_lists_what_they_hold_and_gives_the_cases_back_to_the_unit(
    make_user: MakeUser, admin: User
) -> None:
    lotte, anna = _two_cases()
    marco = _named(make_user("case_owner"), "Marco", "van Dijk")
    screener = make_user("case_screener")
    lead = _named(make_user("team_lead"), "Henk", "Claassen")
    lotte = case_assign_owner(lotte, owner=marco, actor=marco, expected_version=None)
    anna = case_assign_contact(anna, contact=marco, actor=marco, expected_version=None)
    ScreeningCase.objects.filter(case=lotte).update(urgency="acute")
    url = reverse("accounts:user-deactivate", args=[marco.pk])
    page = _client(admin).get(url).content.decode()
    assert 'data-testid="holdings"' in page
    held = [part.split(">", 1)[1].split("<", 1)[0] for part in page.split('data-testid="holding"')[1:]]
    assert held == [lotte.reference, anna.reference, lotte.reference]  # owned, contact, acute among owned
    english = _client(admin, "en").get(url).content.decode()
    assert "Acute among the open cases they own (1)" in english and "contact person (1)" in english

    # Without a reason: said at the field, nothing changes.
    refused = _client(admin).post(url, {"reason": "  "})
    assert refused.status_code == 422 and 'data-testid="error-reason"' in refused.content.decode()
    marco.refresh_from_db()
    assert marco.is_active and Case.objects.get(pk=lotte.pk).owner == marco
    assert not Alert.objects.filter(kind="owner_left").exists()

    done = _client(admin).post(url, {"reason": "Uit dienst per 1 december."})
    assert done.status_code == 302
    marco.refresh_from_db()
    lotte.refresh_from_db()
    anna.refresh_from_db()
    assert not marco.is_active and lotte.owner is None and anna.victim_contact is None
    # Each history: who gave it back, why, and whose it was.
    for case, kind in ((lotte, EventKind.OWNER), (anna, EventKind.CONTACT)):
        line = CaseEvent.objects.filter(case=case, kind=kind).latest("id")
        assert (line.actor, line.reason) == (admin, "Uit dienst per 1 december.")
        assert line.detail == {"from": marco.username, "to": "", "left": True}
    entry = AccessLogEntry.objects.filter(object_type="user", action="deactivate").get()
    assert entry.detail["reason"] == "Uit dienst per 1 december."

    # The unit's team lead is told once, naming the cases; the screeners find the case as nobody's.
    [alert] = alert_list_for_user(user=lead).filter(kind="owner_left")
    assert alert.role == "team_lead" and not alert_list_for_user(user=screener).filter(kind="owner_left")
    with translation.override("en"):
        text = alert_text(alert)
    assert "Marco van Dijk was deactivated by Kees Beheer" in text
    assert lotte.reference in text and anna.reference in text and "Uit dienst per 1 december." in text
    nobody = _queue(_client(screener), owner="nobody")
    assert lotte.reference in nobody and "Marco van Dijk" not in nobody
    case_page = reverse("workprocesses:case-detail", args=[lotte.pk])
    history = _client(screener, "en").get(case_page).content.decode()
    assert "Marco van Dijk (deactivated) → nobody: back in the unit&#x27;s queue" in history
    dutch = _client(screener).get(case_page).content.decode()
    assert "Marco van Dijk (gedeactiveerd) → niemand: terug in de wachtrij van de eenheid" in dutch
    with translation.override("nl"):
        assert "Marco van Dijk is gedeactiveerd door Kees Beheer" in alert_text(alert)


def test_a_unit_without_a_team_lead_tells_its_screeners(make_user: MakeUser, admin: User) -> None:
    lotte, _anna = _two_cases()
    marco = make_user("case_owner")
    screener = make_user("case_screener")
    case_assign_owner(lotte, owner=marco, actor=marco, expected_version=None)
    _client(admin).post(reverse("accounts:user-deactivate", args=[marco.pk]), {"reason": "Vertrokken."})
    [alert] = alert_list_for_user(user=screener).filter(kind="owner_left")
    assert alert.role == "case_screener" and alert.case_id == lotte.pk


def test_a_user_who_holds_nothing_is_deactivated_without_an_alert(make_user: MakeUser, admin: User) -> None:
    marco = make_user("case_owner")
    url = reverse("accounts:user-deactivate", args=[marco.pk])
    assert 'data-testid="holds-nothing"' in _client(admin).get(url).content.decode()
    assert _client(admin).post(url, {"reason": "Vertrokken."}).status_code == 302
    assert not User.objects.get(pk=marco.pk).is_active
    assert not Alert.objects.filter(kind="owner_left").exists()


def test_a_prosecutor_who_leaves_hands_the_open_zsm_file_to_the_stand_in(
    make_user: MakeUser, admin: User
) -> None:
    from tests.prosecution.helpers import send_to_zsm

    office = Organisation.objects.get(code="om-oost-brabant")
    eva = _named(make_user("prosecutor", organisation="om-oost-brabant"), "Eva", "Smit")
    pieter = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    file, _police_case = send_to_zsm(make_user)
    assert file.case.owner == eva
    url = reverse("accounts:user-deactivate", args=[eva.pk])
    page = _client(admin).get(url).content.decode()
    assert file.case.reference in page
    assert "Officier van justitie huiselijk geweld en stalking (Arrondissementsparket Oost-Brabant)" in page
    _client(admin).post(url, {"reason": "Naar een ander parket."})
    file.case.refresh_from_db()
    assert file.case.owner == pieter
    assert Alert.objects.filter(kind="handed_over", recipient=pieter, case=file.case).exists()


def test_an_owner_deactivated_earlier_is_marked_and_the_case_is_the_units_to_take(
    make_user: MakeUser,
) -> None:
    lotte, anna = _two_cases()
    marco = _named(make_user("case_owner"), "Marco", "van Dijk")
    screener = make_user("case_screener")
    case_assign_owner(lotte, owner=marco, actor=marco, expected_version=None)
    User.objects.filter(pk=marco.pk).update(is_active=False)  # as a deactivation before cases were given back
    queue = _queue(_client(screener))
    assert "Marco van Dijk" in queue and 'data-testid="owner-gone"' in queue and "(gedeactiveerd)" in queue
    nobody = _queue(_client(screener), owner="nobody")
    assert lotte.reference in nobody and anna.reference in nobody
    page = _client(screener).get(reverse("workprocesses:case-detail", args=[lotte.pk])).content.decode()
    assert 'data-testid="owner-gone"' in page
    assert _client(screener).post(reverse("screening:take", args=[lotte.pk])).status_code == 302
    lotte.refresh_from_db()
    assert lotte.owner == screener


def test_a_deactivated_users_posts_end_with_the_deactivation_in_its_log_entry(
    make_user: MakeUser, admin: User
) -> None:
    """A user who leaves holds no post any more: their posts end in the deactivation's transaction (as on a
    move), the access-log entry of the deactivation names them, and the office's posts name whoever is left
    (the substitute is on duty, not the prosecutor who left)."""
    office = Organisation.objects.get(code="om-oost-brabant")
    eva = _named(make_user("prosecutor", organisation="om-oost-brabant"), "Eva", "Smit")
    pieter = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=eva, kind=PostKind.ZSM_COORDINATOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    url = reverse("accounts:user-deactivate", args=[eva.pk])
    asked = _client(admin).get(url).content.decode()
    assert "eindigen de posten van deze gebruiker" in asked and "ZSM-coördinator" in asked
    done = _client(admin).post(url, {"reason": "Uit dienst per 1 december."}, follow=True)
    assert done.status_code == 200 and "Hun posten zijn beëindigd." in done.content.decode()
    eva.refresh_from_db()
    assert not eva.is_active
    assert not Post.objects.filter(user=eva).exists()
    assert list(Post.objects.filter(organisation=office).values_list("user_id", "kind")) == [
        (pieter.pk, PostKind.DV_SUBSTITUTE)
    ]
    entry = AccessLogEntry.objects.get(object_type="user", action="deactivate", object_id=str(eva.pk))
    assert entry.detail["posts_ended"] == ["dv_prosecutor", "zsm_coordinator"]
    assert prosecutor_on_duty(office, on=timezone.localdate()).user == pieter
    # Reactivated, they hold no post until one is given again.
    user_set_active(user=eva, active=True, actor=admin)
    assert not Post.objects.filter(user=eva).exists()


def test_a_deactivation_that_fails_ends_no_post(make_user: MakeUser, admin: User) -> None:
    """One transaction: when what the deactivation sets off fails, the user stays active and keeps their
    posts."""
    office = Organisation.objects.get(code="om-oost-brabant")
    eva = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)

    def fail(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("stopped")

    user_deactivated.connect(fail, dispatch_uid="test-deactivation-fails")
    try:
        with pytest.raises(RuntimeError):
            user_set_active(user=eva, active=False, actor=admin, reason="Vertrokken.")
    finally:
        user_deactivated.disconnect(dispatch_uid="test-deactivation-fails")
    eva.refresh_from_db()
    assert eva.is_active and Post.objects.filter(user=eva, kind=PostKind.DV_PROSECUTOR).exists()
