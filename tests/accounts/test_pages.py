"""The functional administrator's user pages: the list, a new user, one user's roles, deactivation,
password, second factor and API tokens. Every change in the access log (never a password, a token or a
key), nothing half stored, an administrator never locking themselves out, everyone else refused (403,
logged once)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.demo.services import DEMO_USERS
from ketenzicht.organisations.models import ApiToken, Organisation, User
from ketenzicht.organisations.roles import ROLES_BY_KIND, OrganisationKind, Role, roles_fitting
from ketenzicht.organisations.selectors import user_for_api_token
from ketenzicht.organisations.services import api_token_create
from ketenzicht.signin.services import recovery_codes_renew, totp_device_fixed

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Kastanjeboom-aan-de-Dommel-7"
MakeUser = Callable[..., Any]


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    user: User = make_user("functional_admin", organisation="ketenzicht-beheer", username="kees")
    return user


@pytest.fixture
def client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def screener(make_user: MakeUser) -> User:
    user: User = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    return user


def _entries(object_type: str, action: str = "") -> list[AccessLogEntry]:
    found = AccessLogEntry.objects.filter(object_type=object_type).order_by("id")
    return list(found.filter(action=action) if action else found)


def _new_user(**changes: Any) -> dict[str, Any]:
    organisation = Organisation.objects.get(code="vt-brabant-noordoost")
    return {
        "username": "anouk",
        "first_name": "Anouk",
        "last_name": "Verbruggen",
        "email": "anouk@example.org",
        "organisation": str(organisation.pk),
        "roles": ["vt_assessor", "team_lead"],
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
        **changes,
    }


# -- the rule: which roles fit which kind of organisation ------------------------------------------------


def test_every_kind_has_its_roles_and_the_demo_users_fit_them() -> None:
    assert set(ROLES_BY_KIND) == set(OrganisationKind.values)
    assert Role.PROSECUTOR not in roles_fitting(OrganisationKind.POLITIE)
    assert roles_fitting("unknown") == ()
    spec = yaml.safe_load(Path(DEMO_USERS).read_text(encoding="utf-8"))
    for entry in spec["users"]:
        kind = Organisation.objects.get(code=entry["organisation"]).kind
        assert set(entry["roles"]) <= set(roles_fitting(kind)), entry["username"]


# -- the list ------------------------------------------------------------------------------------------


def test_the_list_searches_and_filters_and_is_logged(
    client: Client, screener: User, make_user: MakeUser
) -> None:
    make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    page = client.get("/beheer/gebruikers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="user-row"') == 3 and f'href="/beheer/gebruikers/{screener.pk}/"' in html
    found = client.get("/beheer/gebruikers/", {"q": "ingr"}).content.decode()
    assert found.count('data-testid="user-row"') == 1 and "ingrid" in found
    by_org = client.get("/beheer/gebruikers/", {"organisation": "om-oost-brabant"}).content.decode()
    assert by_org.count('data-testid="user-row"') == 1 and "eva" in by_org
    by_role = client.get("/beheer/gebruikers/", {"role": "case_screener"}).content.decode()
    assert by_role.count('data-testid="user-row"') == 1 and "ingrid" in by_role
    listed = _entries("user", "list")
    assert len(listed) == 4 and listed[-1].detail["filters"] == {"role": "case_screener"}


def test_the_list_is_paginated(client: Client, make_user: MakeUser) -> None:
    for n in range(51):
        make_user("police_registrar", organisation="oost-brabant", username=f"registrar-{n:02}")
    first = client.get("/beheer/gebruikers/").content.decode()
    assert first.count('data-testid="user-row"') == 50 and 'rel="next"' in first
    second = client.get("/beheer/gebruikers/", {"page": 2}).content.decode()
    assert second.count('data-testid="user-row"') == 2


# -- a new user ----------------------------------------------------------------------------------------


def test_a_new_user_is_created_with_fitting_roles_and_logged(client: Client, admin: User) -> None:
    assert client.get("/beheer/gebruikers/nieuw/").status_code == 200
    response = client.post("/beheer/gebruikers/nieuw/", _new_user())
    user = User.objects.get(username="anouk")
    assert response.status_code == 302 and response["Location"] == f"/beheer/gebruikers/{user.pk}/"
    assert user.role_codes == {"vt_assessor", "team_lead"} and user.organisation is not None
    assert user.organisation.code == "vt-brabant-noordoost" and user.email == "anouk@example.org"
    assert user.check_password(GOOD_PASSWORD)
    (entry,) = _entries("user", "create")
    assert entry.actor == admin and entry.result == "stored" and entry.object_id == str(user.pk)
    assert entry.detail == {
        "username": "anouk",
        "organisation": "vt-brabant-noordoost",
        "roles": ["team_lead", "vt_assessor"],
    }
    assert GOOD_PASSWORD not in str(entry.detail)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"roles": ["prosecutor"]}, "roles"),  # does not fit Veilig Thuis
        ({"roles": []}, "roles"),
        ({"password": "kort", "password_again": "kort"}, "password"),
        ({"password": "123456789012345", "password_again": "123456789012345"}, "password"),
        ({"password_again": GOOD_PASSWORD + "x"}, "password_again"),
        ({"username": "ingrid"}, "username"),  # taken
        ({"username": "INGRID"}, "username"),  # taken, in other letters
        ({"username": "met spatie"}, "username"),
        ({"email": "geen-adres"}, "email"),
        ({"organisation": "999999"}, "organisation"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client: Client, screener: User, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/beheer/gebruikers/nieuw/", _new_user(**changes))
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not User.objects.filter(username__in=["anouk", "met spatie", "INGRID"]).exists()
    assert _entries("user", "create") == []


def _summary_links(html: str) -> list[str]:
    summary = html.split('data-testid="form-errors-list"', 1)[1].split("</ul>", 1)[0]
    return [part.split('"', 1)[0] for part in summary.split('href="#')[1:]]


def test_every_error_of_a_new_user_comes_back_at_once(client: Client, screener: User) -> None:
    """A password pair that differs, a username taken and a role that does not fit the organisation: all
    three in one answer, each at its field and in the summary, nothing stored."""
    response = client.post(
        "/beheer/gebruikers/nieuw/",
        _new_user(username="ingrid", roles=["prosecutor"], password_again=GOOD_PASSWORD + "x"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("username", "roles", "password_again"):
        assert f'data-testid="error-{field}"' in html, field
    assert _summary_links(html) == ["id_username", "id_roles_0", "id_password_again"]
    assert not User.objects.filter(username="anouk").exists() and _entries("user", "create") == []


def test_an_empty_new_user_form_names_every_required_field(client: Client) -> None:
    html = client.post("/beheer/gebruikers/nieuw/", {}).content.decode()
    assert "id_username" in _summary_links(html) and "id_password_again" in _summary_links(html)


def test_an_empty_new_user_form_says_at_each_field_what_it_wants(client: Client) -> None:
    """Each field said only "Dit veld is verplicht.": it now says what to fill in or choose."""
    html = client.post("/beheer/gebruikers/nieuw/", {}).content.decode()
    wanted = {
        "username": "Vul de naam in waarmee de gebruiker inlogt.",
        "first_name": "Vul de voornaam in.",
        "last_name": "Vul de achternaam in.",
        "organisation": "Kies de organisatie waar de gebruiker voor werkt.",
        "roles": "Kies minstens één rol.",
        "password": "Vul een wachtwoord in.",
        "password_again": "Typ het wachtwoord nog een keer, om een tikfout uit te sluiten.",
    }
    for field, words in wanted.items():
        assert f'data-testid="error-{field}">{words}<' in html, field
    assert "Dit veld is verplicht" not in html


def test_the_password_validators_speak_beside_the_forms_own_errors(client: Client) -> None:
    response = client.post(
        "/beheer/gebruikers/nieuw/", _new_user(first_name="", password="kort", password_again="kort")
    )
    html = response.content.decode()
    assert 'data-testid="error-first_name"' in html and 'data-testid="error-password"' in html


def test_the_password_is_not_sent_back_and_the_page_asks_to_type_it_again(client: Client) -> None:
    assert 'data-testid="note-password"' not in client.get("/beheer/gebruikers/nieuw/").content.decode()
    html = client.post("/beheer/gebruikers/nieuw/", _new_user(email="geen-adres")).content.decode()
    assert GOOD_PASSWORD not in html
    assert (
        'data-testid="note-password"' in html
        and 'aria-describedby="id_password_helptext id_password_note"' in html
    )


# -- one user ------------------------------------------------------------------------------------------


def test_the_user_page_shows_them_and_is_logged(client: Client, screener: User) -> None:
    page = client.get(f"/beheer/gebruikers/{screener.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="roles-form"' in html
    assert html.count(">Rollen<") == 1  # the fact; the form has a heading of its own
    (entry,) = _entries("user", "view")
    assert entry.object_id == str(screener.pk) and entry.result == "shown"
    assert client.get("/beheer/gebruikers/999999/").status_code == 404


def test_roles_are_added_and_removed_and_logged(client: Client, screener: User) -> None:
    response = client.post(
        f"/beheer/gebruikers/{screener.pk}/", {"action": "roles", "roles": ["case_owner", "team_lead"]}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=screener.pk).role_codes == {"case_owner", "team_lead"}
    (entry,) = _entries("user", "change")
    assert entry.detail == {
        "username": "ingrid",
        "roles": {"added": ["case_owner", "team_lead"], "removed": ["case_screener"]},
    }
    # The same again changes nothing and logs nothing.
    client.post(
        f"/beheer/gebruikers/{screener.pk}/", {"action": "roles", "roles": ["case_owner", "team_lead"]}
    )
    assert len(_entries("user", "change")) == 1


def test_a_role_that_does_not_fit_or_none_at_all_is_refused(client: Client, screener: User) -> None:
    for roles in (["prosecutor"], []):
        response = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "roles", "roles": roles})
        assert response.status_code == 422 and 'data-testid="error-roles"' in response.content.decode()
    assert User.objects.get(pk=screener.pk).role_codes == {"case_screener"}
    assert _entries("user", "change") == []


def test_a_role_held_that_no_longer_fits_may_stay_or_go(client: Client, make_user: MakeUser) -> None:
    odd: User = make_user("prosecutor", "case_screener", organisation="oost-brabant", username="odd")
    page = client.get(f"/beheer/gebruikers/{odd.pk}/").content.decode()
    assert 'value="prosecutor"' in page and 'value="vt_assessor"' not in page
    assert (
        client.post(
            f"/beheer/gebruikers/{odd.pk}/", {"action": "roles", "roles": ["case_screener"]}
        ).status_code
        == 302
    )
    assert User.objects.get(pk=odd.pk).role_codes == {"case_screener"}


def test_deactivate_and_reactivate_keep_the_user_and_are_logged(client: Client, screener: User) -> None:
    token = api_token_create(user=screener, name="script")
    # The button on the user's page leads to the confirmation; only that deactivates, with a reason.
    asked = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "active", "active": "0"})
    assert asked.status_code == 302 and asked["Location"] == f"/beheer/gebruikers/{screener.pk}/deactiveren/"
    screener.refresh_from_db()
    assert screener.is_active
    assert (
        client.post(
            f"/beheer/gebruikers/{screener.pk}/deactiveren/", {"reason": "Uit dienst per 1 december."}
        ).status_code
        == 302
    )
    screener.refresh_from_db()
    assert not screener.is_active and user_for_api_token(token) is None
    ingrid = Client()
    ingrid.force_login(screener)
    assert ingrid.get("/").status_code == 302  # the session ends
    assert (
        client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "active", "active": "1"}).status_code
        == 302
    )
    screener.refresh_from_db()
    assert screener.is_active and user_for_api_token(token) == screener
    assert [e.action for e in _entries("user") if e.result == "stored"] == ["deactivate", "reactivate"]


def test_a_new_password_passes_the_validators_and_is_never_logged(client: Client, screener: User) -> None:
    bad = client.post(
        f"/beheer/gebruikers/{screener.pk}/",
        {"action": "password", "password": "ingrid12", "password_again": "ingrid12"},
    )
    assert bad.status_code == 422 and 'data-testid="error-password"' in bad.content.decode()
    assert _entries("user", "reset") == []
    good = client.post(
        f"/beheer/gebruikers/{screener.pk}/",
        {"action": "password", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD},
    )
    assert good.status_code == 302 and User.objects.get(pk=screener.pk).check_password(GOOD_PASSWORD)
    (entry,) = _entries("user", "reset")
    assert GOOD_PASSWORD not in str(entry.detail) and entry.detail["username"] == "ingrid"


def test_a_new_password_that_differs_and_is_weak_hears_both_at_once(client: Client, screener: User) -> None:
    response = client.post(
        f"/beheer/gebruikers/{screener.pk}/",
        {"action": "password", "password": "ingrid12", "password_again": "ingrid13"},
    )
    html = response.content.decode()
    assert response.status_code == 422 and "ingrid12" not in html
    assert 'data-testid="error-password"' in html and 'data-testid="error-password_again"' in html
    assert _summary_links(html) == ["id_password", "id_password_again"]
    assert 'data-testid="note-password"' in html
    assert User.objects.get(pk=screener.pk).check_password("ingrid12") is False


def test_the_second_factor_is_removed_only_when_confirmed_logged_without_a_secret(
    client: Client, screener: User, settings: Any
) -> None:
    secret = "JBSWY3DPEHPK3PXP"
    totp_device_fixed(screener, secret=secret)
    codes = recovery_codes_renew(screener)
    url = f"/beheer/gebruikers/{screener.pk}/"
    page = client.get(url).content.decode()
    facts = page.split('data-testid="user-second-factor">', 1)[1].split("</dd>", 1)[0]
    assert "10" in facts and 'data-testid="second-factor-form"' in page
    refused = client.post(url, {"action": "second_factor"})
    assert refused.status_code == 422 and 'data-testid="error-confirm"' in refused.content.decode()
    assert TOTPDevice.objects.filter(user=screener).exists() and _entries("user", "reset") == []
    done = client.post(url, {"action": "second_factor", "confirm": "on"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=screener).exists()
    assert not StaticDevice.objects.filter(user=screener).exists()
    (entry,) = _entries("user", "reset")
    assert entry.object_id == str(screener.pk) and entry.detail == {
        "username": "ingrid",
        "second_factor": {"authenticators": 1, "recovery_codes": 10, "security_keys": 0},
    }
    assert secret not in str(entry.detail) and not [c for c in codes if c in str(entry.detail)]
    page = client.get(url).content.decode()
    assert 'data-testid="second-factor-none"' in page and 'data-testid="second-factor-form"' not in page
    # Nothing left to remove: nothing changes and nothing is logged.
    assert client.post(url, {"action": "second_factor", "confirm": "on"}).status_code == 302
    assert len(_entries("user", "reset")) == 1
    # At the next login the user is sent to set up a new device.
    settings.KETENZICHT_OTP_REQUIRED = True
    screener.set_password(GOOD_PASSWORD)
    screener.save()
    login = Client()
    response = login.post("/accounts/login/", {"username": "ingrid", "password": GOOD_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/tweede-factor/instellen/")


def test_an_admin_keeps_their_own_role_and_cannot_deactivate_themselves(client: Client, admin: User) -> None:
    roles = client.post(f"/beheer/gebruikers/{admin.pk}/", {"action": "roles", "roles": ["privacy_officer"]})
    assert roles.status_code == 422 and 'data-testid="error-roles"' in roles.content.decode()
    active = client.post(f"/beheer/gebruikers/{admin.pk}/", {"action": "active", "active": "0"})
    assert active.status_code == 422 and 'data-testid="error-active"' in active.content.decode()
    admin.refresh_from_db()
    assert admin.is_active and User.objects.get(pk=admin.pk).role_codes == {"functional_admin"}
    assert [e.action for e in _entries("user") if e.result == "stored"] == []


def test_an_admin_gives_themselves_no_role_another_admin_does(
    client: Client, admin: User, make_user: MakeUser
) -> None:
    """A role beside their own would give the administrator any need-to-know they chose (the privacy
    officer's access log and break-the-glass review): refused at the field, nothing stored or logged."""
    both = {"action": "roles", "roles": ["functional_admin", "privacy_officer"]}
    refused = client.post(f"/beheer/gebruikers/{admin.pk}/", both)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'data-testid="error-roles"' in page and "andere functioneel beheerder" in page
    assert User.objects.get(pk=admin.pk).role_codes == {"functional_admin"}
    assert [e.action for e in _entries("user") if e.result == "stored"] == []
    other = make_user("functional_admin", organisation="ketenzicht-beheer")
    client.force_login(other)
    assert client.post(f"/beheer/gebruikers/{admin.pk}/", both).status_code == 302
    assert User.objects.get(pk=admin.pk).role_codes == {"functional_admin", "privacy_officer"}
    # Taking a role away from oneself stays possible (only their own administrator role stays).
    client.force_login(admin)
    mine = {"action": "roles", "roles": ["functional_admin"]}
    assert client.post(f"/beheer/gebruikers/{admin.pk}/", mine).status_code == 302
    assert User.objects.get(pk=admin.pk).role_codes == {"functional_admin"}


def test_a_token_without_a_name_is_refused_saying_what_the_name_is_for(
    client: Client, screener: User
) -> None:
    refused = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "token", "name": ""})
    assert refused.status_code == 422
    assert "Zeg waar het token voor is, zodat het later te herkennen is." in refused.content.decode()


def test_a_token_is_shown_once_then_only_its_prefix_and_can_be_revoked(
    client: Client, screener: User
) -> None:
    response = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "token", "name": "feed"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    row = ApiToken.objects.get(user=screener)
    html = response.content.decode()
    start = html.index('data-testid="new-token-value">') + len('data-testid="new-token-value">')
    token = html[start : html.index("<", start)]
    assert token.startswith(row.prefix) and user_for_api_token(token) == screener
    again = client.get(f"/beheer/gebruikers/{screener.pk}/").content.decode()
    assert token not in again and f">{row.prefix}</code>…" in again
    (created,) = _entries("api_token", "create")
    assert created.detail == {"username": "ingrid", "name": "feed", "prefix": row.prefix}
    assert token not in str(created.detail)
    revoke = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "revoke", "token": row.pk})
    assert revoke.status_code == 302 and user_for_api_token(token) is None
    (revoked,) = _entries("api_token", "revoke")
    assert revoked.object_id == str(row.pk) and token not in str(revoked.detail)


def test_a_token_needs_a_name_and_another_users_token_is_not_found(
    client: Client, screener: User, admin: User
) -> None:
    nameless = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "token", "name": " "})
    assert nameless.status_code == 422 and 'data-testid="error-name"' in nameless.content.decode()
    assert not ApiToken.objects.exists() and _entries("api_token") == []
    api_token_create(user=admin, name="mine")
    theirs = ApiToken.objects.get()
    assert (
        client.post(
            f"/beheer/gebruikers/{screener.pk}/", {"action": "revoke", "token": theirs.pk}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert not theirs.revoked


def test_a_deactivated_user_gets_no_new_token(client: Client, screener: User) -> None:
    client.post(f"/beheer/gebruikers/{screener.pk}/deactiveren/", {"reason": "Uit dienst."})
    response = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "token", "name": "feed"})
    assert response.status_code == 422 and not ApiToken.objects.exists()


def test_a_deactivated_user_without_a_token_name_hears_both_at_once(client: Client, screener: User) -> None:
    client.post(f"/beheer/gebruikers/{screener.pk}/deactiveren/", {"reason": "Uit dienst."})
    screener.refresh_from_db()
    assert not screener.is_active
    response = client.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "token", "name": " "})
    html = response.content.decode()
    error = html.split('data-testid="error-name">', 1)[1].split("</div>", 1)[0]
    assert response.status_code == 422 and len(_summary_links(html)) == 2
    assert "gedeactiveerd" in error and "Zeg waar het token voor is" in error
    assert not ApiToken.objects.exists()


def test_the_users_page_sums_up_a_refusal_linking_to_its_field(client: Client, admin: User) -> None:
    active = client.post(f"/beheer/gebruikers/{admin.pk}/", {"action": "active", "active": "0"})
    assert _summary_links(active.content.decode()) == ["active_button"]
    assert 'id="active_button"' in active.content.decode()
    roles = client.post(f"/beheer/gebruikers/{admin.pk}/", {"action": "roles", "roles": ["privacy_officer"]})
    assert _summary_links(roles.content.decode()) == ["id_roles_0"]
    unknown = client.post(f"/beheer/gebruikers/{admin.pk}/", {"action": "x"}).content.decode()
    assert 'data-testid="form-errors"' in unknown


# -- who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.FUNCTIONAL_ADMIN])
def test_everyone_else_is_refused_once_per_request_and_it_is_logged(
    role: Role, make_user: MakeUser, screener: User
) -> None:
    kind = next(kind for kind, roles in ROLES_BY_KIND.items() if role in roles)
    organisation = Organisation.objects.filter(kind=kind).first()
    assert organisation is not None
    other = Client()
    other.force_login(make_user(role, organisation=organisation.code))
    calls = [
        other.get("/beheer/gebruikers/"),
        other.get("/beheer/gebruikers/nieuw/"),
        other.post("/beheer/gebruikers/nieuw/", _new_user()),
        other.get(f"/beheer/gebruikers/{screener.pk}/"),
        other.post(f"/beheer/gebruikers/{screener.pk}/", {"action": "active", "active": "0"}),
    ]
    assert [c.status_code for c in calls] == [403] * 5
    refused = _entries("user")
    assert [(e.action, e.result) for e in refused] == [
        ("list", "refused"),
        ("create", "refused"),
        ("create", "refused"),
        ("view", "refused"),
        ("change", "refused"),
    ]
    screener.refresh_from_db()
    assert screener.is_active and not User.objects.filter(username="anouk").exists()


def test_only_the_admin_sees_the_links(client: Client, screener: User) -> None:
    home = client.get("/").content.decode()
    assert 'data-testid="home-users"' in home and 'data-testid="menu-users"' in home
    other = Client()
    other.force_login(screener)
    assert 'href="/beheer/gebruikers/"' not in other.get("/").content.decode()


def test_only_the_admin_is_offered_the_api_documentation(client: Client, screener: User) -> None:
    # The API's documentation is for whoever connects another system (English, a try-out that needs a
    # token the administrator issues); a screener's start page does not offer it.
    assert 'data-testid="home-api-docs"' in client.get("/").content.decode()
    other = Client()
    other.force_login(screener)
    assert 'href="/api/v1/docs"' not in other.get("/").content.decode()


def test_the_password_rules_and_the_note_speak_dutch(client: Client) -> None:
    """Django 5.2's own Dutch lacks its minimum length message: ours says it in Dutch."""
    html = client.post(
        "/beheer/gebruikers/nieuw/", _new_user(username="ingrid", password="kort", password_again="kort")
    ).content.decode()
    assert "Dit wachtwoord is te kort: het moet minstens 12 tekens hebben." in html
    assert "Vul het wachtwoord opnieuw in." in html and "too short" not in html


def test_a_filter_that_finds_no_user_says_so_and_offers_the_whole_list(
    client: Client, screener: User
) -> None:
    """A search without a match left a bare "0 gebruikers." and no way back but clearing each field."""
    client.cookies["django_language"] = "nl"
    empty = client.get("/beheer/gebruikers/", {"q": "zzzz"}).content.decode()
    said = empty.split('data-testid="filtered-count">')[1].split("</p>")[0]
    assert "Geen gebruiker past bij dit filter" in said
    assert 'href="/beheer/gebruikers/" data-testid="clear-filters">Alle gebruikers tonen</a>' in said
    one = client.get("/beheer/gebruikers/", {"q": "ingr"}).content.decode()
    assert "1 gebruiker past bij dit filter." in one
    assert 'data-testid="clear-filters"' not in client.get("/beheer/gebruikers/").content.decode()
