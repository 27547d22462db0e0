"""A user who goes to work in another unit of the same kind is moved, not deactivated and created again. The
functional administrator chooses the unit (only units of the user's kind where their roles fit), the day
and why; in one transaction the open cases they held go back to the unit they leave (as on a deactivation,
the history naming the move), their posts there end, their API tokens are revoked, they belong to the new
unit, and the user's page shows their units over time. One access-log entry. What they saw before (the old
unit's cases) they no longer see."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, Post, PostKind, UnitMove, User
from ketenzicht.organisations.services import api_token_issue, post_assign, user_create
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
    take_in("PL0600-MOVE-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-MOVE-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", offences=["285b"])
    found = {s.victim_name.split()[0]: s.case for s in ScreeningCase.objects.select_related("case")}
    return found["Lotte"], found["Anna"]


def _unit(code: str) -> int:
    return Organisation.objects.get(code=code).pk


def _today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return _named(make_user("functional_admin", organisation="ketenzicht-beheer"), "Kees", "Beheer")


def test_moving_gives_the_cases_back_revokes_the_tokens_and_shows_the_units_over_time(
    make_user: MakeUser, admin: User
) -> None:
    lotte, anna = _two_cases()
    marco = _named(make_user("case_owner"), "Marco", "van Dijk")
    lead = _named(make_user("team_lead"), "Henk", "Claassen")
    lotte = case_assign_owner(lotte, owner=marco, actor=marco, expected_version=None)
    anna = case_assign_contact(anna, contact=marco, actor=marco, expected_version=None)
    token, _secret = api_token_issue(user=marco, name="koppeling Oost-Brabant")
    case_page = reverse("workprocesses:case-detail", args=[lotte.pk])
    assert _client(marco).get(case_page).status_code == 200  # before: his unit's case

    url = reverse("accounts:user-move", args=[marco.pk])
    page = _client(admin).get(url).content.decode()
    held = [part.split(">", 1)[1].split("<", 1)[0] for part in page.split('data-testid="holding"')[1:]]
    assert held[:2] == [lotte.reference, anna.reference] and "koppeling Oost-Brabant" in page
    offered = page.split('name="organisation"', 1)[1].split("</select>", 1)[0]
    assert "Politie eenheid Rotterdam" in offered and "Politie Landelijke Eenheid" in offered
    assert "Politie eenheid Oost-Brabant" not in offered and "Arrondissementsparket" not in offered
    assert "Veilig Thuis" not in offered

    admin_client = _client(admin)
    done = admin_client.post(
        url, {"organisation": _unit("rotterdam"), "on": _today(), "reason": "Overgeplaatst naar Rotterdam."}
    )
    assert done.status_code == 302
    marco.refresh_from_db()
    lotte.refresh_from_db()
    anna.refresh_from_db()
    token.refresh_from_db()
    assert marco.is_active and marco.organisation == Organisation.objects.get(code="rotterdam")
    assert lotte.owner is None and anna.victim_contact is None and token.revoked
    for case, kind in ((lotte, EventKind.OWNER), (anna, EventKind.CONTACT)):
        line = CaseEvent.objects.filter(case=case, kind=kind).latest("id")
        assert line.actor == admin
        assert line.reason == "Verplaatst naar Politie eenheid Rotterdam: Overgeplaatst naar Rotterdam."
        assert line.detail == {"from": marco.username, "to": "", "left": True}
        assert line.at == UnitMove.objects.get(user=marco).recorded_at

    history = _client(lead).get(reverse("workprocesses:case-detail", args=[lotte.pk])).content.decode()
    assert "Marco van Dijk (naar een andere eenheid verplaatst) → niemand: terug in de wachtrij" in history
    assert "(gedeactiveerd)" not in history

    # Once in the access log, naming the user; never a case.
    [entry] = AccessLogEntry.objects.filter(object_type="user", action="move")
    assert entry.object_id == str(marco.pk) and entry.actor == admin
    assert entry.detail == {
        "username": marco.username,
        "from": "oost-brabant",
        "to": "rotterdam",
        "on": _today(),
        "reason": "Overgeplaatst naar Rotterdam.",
        "posts_ended": [],
        "tokens_revoked": [token.prefix],
    }
    assert lotte.reference not in str(entry.detail)

    # The old unit's team lead is told the user moved, not that they were deactivated.
    [alert] = alert_list_for_user(user=lead).filter(kind="owner_left")
    with translation.override("nl"):
        text = alert_text(alert)
    assert "Marco van Dijk is door Kees Beheer naar een andere eenheid verplaatst" in text
    assert lotte.reference in text and "gedeactiveerd" not in text

    # What he saw before, he no longer sees: the same 404 as a case that does not exist.
    assert _client(marco).get(case_page).status_code == 404
    assert _client(marco).get(reverse("workprocesses:case-detail", args=[anna.pk])).status_code == 404

    # The user's page: the units over time, by whom and why.
    user_page = admin_client.get(reverse("accounts:user", args=[marco.pk])).content.decode()
    assert "De gebruiker hoort nu bij Politie eenheid Rotterdam." in user_page
    assert "De API-tokens zijn ingetrokken." in user_page and "De posten daar" not in user_page
    history = user_page.split('data-testid="unit-history"', 1)[1].split("</table>", 1)[0]
    rows = history.split('data-testid="unit-period"')[1:]
    assert len(rows) == 2
    assert "Politie eenheid Oost-Brabant" in rows[0] and "Politie eenheid Rotterdam" in rows[1]
    assert "Kees Beheer (" in rows[1] and "Overgeplaatst naar Rotterdam." in rows[1] and "nu" in rows[1]
    day = timezone.localdate().strftime("%d-%m-%Y")
    assert rows[0].count(day) == 2  # created and moved on the same day


def test_a_prosecutor_who_moves_hands_the_zsm_file_to_the_stand_in_and_their_posts_end(
    make_user: MakeUser, admin: User
) -> None:
    from tests.prosecution.helpers import send_to_zsm

    office = Organisation.objects.get(code="om-oost-brabant")
    eva = _named(make_user("prosecutor", organisation="om-oost-brabant"), "Eva", "Smit")
    pieter = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=eva, kind=PostKind.ZSM_COORDINATOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    file, _police_case = send_to_zsm(make_user)
    assert file.case.owner == eva
    url = reverse("accounts:user-move", args=[eva.pk])
    answer = _client(admin).post(
        url, {"organisation": _unit("om-rotterdam"), "on": _today(), "reason": "Naar het parket Rotterdam."}
    )
    assert answer.status_code == 302
    file.case.refresh_from_db()
    assert file.case.owner == pieter
    assert Alert.objects.filter(kind="handed_over", recipient=pieter, case=file.case).exists()
    assert not Post.objects.filter(user=eva).exists()
    entry = AccessLogEntry.objects.get(object_type="user", action="move")
    assert entry.detail["posts_ended"] == ["dv_prosecutor", "zsm_coordinator"]
    assert _client(eva).get(reverse("workprocesses:case-detail", args=[file.case.pk])).status_code == 404


def _user_with_a_misfit_role() -> User:
    return user_create(
        username="verkeerd",
        password=None,
        organisation=Organisation.objects.get(code="oost-brabant"),
        roles=["case_screener", "prosecutor"],
    )


@pytest.mark.parametrize(
    ("who", "form", "field", "message"),
    [
        ("screener", {"organisation": "om-rotterdam"}, "organisation", "van dezelfde soort"),
        ("screener", {"organisation": "oost-brabant"}, "organisation", "hoort al bij deze eenheid"),
        ("screener", {"organisation": "inactive"}, "organisation", "niet meer actief"),
        ("screener", {"organisation": ""}, "organisation", "Kies de eenheid"),
        ("misfit", {"organisation": "rotterdam"}, "organisation", "past niet bij"),
        ("admin", {"organisation": "rotterdam"}, "organisation", "uzelf niet verplaatsen"),
        ("left", {"organisation": "rotterdam"}, "organisation", "gedeactiveerd"),
        ("screener", {"on": "tomorrow"}, "on", "niet na vandaag"),
        ("screener", {"on": "2020-01-01"}, "on", "niet daarvoor"),
        ("screener", {"on": "31-02-2026"}, "on", "dd-mm-jjjj"),
        ("screener", {"on": ""}, "on", "Geef de dag"),
        ("screener", {"reason": "  "}, "reason", "Zeg waarom"),
    ],
)
def test_a_refused_move_says_why_at_its_field_and_changes_nothing(
    make_user: MakeUser, admin: User, who: str, form: dict[str, str], field: str, message: str
) -> None:
    subject: User = (
        _user_with_a_misfit_role()
        if who == "misfit"
        else admin
        if who == "admin"
        else make_user("case_screener")
    )
    if who == "left":
        User.objects.filter(pk=subject.pk).update(is_active=False)
    token, _secret = api_token_issue(user=subject, name="koppeling")
    Organisation.objects.filter(code="noord-holland").update(active=False)
    codes = {"inactive": "noord-holland"}
    data = {"organisation": "rotterdam", "on": _today(), "reason": "Overgeplaatst.", **form}
    if data["organisation"]:
        data["organisation"] = str(_unit(codes.get(data["organisation"], data["organisation"])))
    if data["on"] == "tomorrow":
        data["on"] = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    before = subject.organisation_id
    answer = _client(admin).post(reverse("accounts:user-move", args=[subject.pk]), data)
    assert answer.status_code == 422
    page = answer.content.decode()
    error = page.split(f'data-testid="error-{field}"', 1)[1].split("</", 1)[0]
    assert message in error
    assert 'data-testid="form-errors"' in page
    subject.refresh_from_db()
    token.refresh_from_db()
    assert subject.organisation_id == before and not token.revoked
    assert not UnitMove.objects.exists()
    assert not AccessLogEntry.objects.filter(action="move").exists()


def test_only_the_functional_administrator_moves_a_user(make_user: MakeUser) -> None:
    screener = make_user("case_screener")
    lead = make_user("team_lead")
    url = reverse("accounts:user-move", args=[screener.pk])
    answer = _client(lead).post(url, {"organisation": _unit("rotterdam"), "on": _today(), "reason": "x"})
    assert answer.status_code == 403
    screener.refresh_from_db()
    assert screener.organisation.code == "oost-brabant"
    [refusal] = AccessLogEntry.objects.filter(result="refused", object_type="user")
    assert refusal.object_id == str(screener.pk)


def test_the_move_page_in_english_names_what_goes_back(make_user: MakeUser, admin: User) -> None:
    screener = make_user("case_screener")
    page = _client(admin, "en").get(reverse("accounts:user-move", args=[screener.pk])).content.decode()
    assert f"Move {screener.username} to another unit" in page
    assert 'data-testid="holds-nothing"' in page
    user_page = _client(admin, "en").get(reverse("accounts:user", args=[screener.pk])).content.decode()
    assert 'data-testid="move"' in user_page and "Move to another unit…" in user_page


def test_a_move_made_meanwhile_by_another_administrator_is_refused_not_done_twice(
    make_user: MakeUser, admin: User
) -> None:
    from ketenzicht.accounts.services import AccountRefused, account_move

    screener = make_user("case_screener")
    stale = User.objects.select_related("organisation").get(pk=screener.pk)  # as the second page read it
    rotterdam = Organisation.objects.get(code="rotterdam")
    today = timezone.localdate()
    account_move(actor=admin, user=screener, organisation=rotterdam, on=today, reason="Eerste.", origin="web")
    with pytest.raises(AccountRefused) as refused:
        account_move(
            actor=admin, user=stale, organisation=rotterdam, on=today, reason="Tweede.", origin="web"
        )
    assert refused.value.field == "organisation"
    assert UnitMove.objects.filter(user=screener).count() == 1
    assert AccessLogEntry.objects.filter(action="move").count() == 1


def test_the_old_units_case_is_refused_through_the_access_selector_and_logged_once(
    make_user: MakeUser, admin: User
) -> None:
    from django.http import Http404

    from ketenzicht.accounts.services import account_move
    from ketenzicht.workprocesses.selectors import case_get_for_user

    lotte, _anna = _two_cases()
    screener = make_user("case_screener")
    assert case_get_for_user(user=screener, pk=lotte.pk) == lotte
    rotterdam = Organisation.objects.get(code="rotterdam")
    account_move(
        actor=admin, user=screener, organisation=rotterdam, on=timezone.localdate(), reason="x", origin="web"
    )
    moved = User.objects.get(pk=screener.pk)  # as the next request loads them
    with pytest.raises(Http404):
        case_get_for_user(user=moved, pk=lotte.pk)
    refusals = AccessLogEntry.objects.filter(actor=moved, object_type="case", result="refused")
    assert [entry.object_id for entry in refusals] == [str(lotte.pk)]


def test_the_page_answers_a_move_made_meanwhile_with_422_at_the_unit(
    make_user: MakeUser, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketenzicht.accounts import views
    from ketenzicht.accounts.services import AccountRefused

    def moved_meanwhile(**kwargs: Any) -> Any:
        raise AccountRefused("organisation", "De gebruiker is intussen verplaatst: kijk opnieuw.")

    monkeypatch.setattr(views, "account_move", moved_meanwhile)
    screener = make_user("case_screener")
    answer = _client(admin).post(
        reverse("accounts:user-move", args=[screener.pk]),
        {"organisation": _unit("rotterdam"), "on": _today(), "reason": "Overgeplaatst."},
    )
    assert answer.status_code == 422
    assert "intussen verplaatst" in answer.content.decode().split('data-testid="error-organisation"', 1)[1]
