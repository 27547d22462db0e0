"""Login by an identity provider: the claims decide the user's organisation and roles, or refuse the login;
whether the provider's own second factor counts. No provider is asked: the backend gets the claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, override_settings

from ketenzicht.audit.models import AccessLogEntry, Result
from ketenzicht.organisations.models import User
from ketenzicht.signin.oidc import KetenzichtOIDCBackend

pytestmark = pytest.mark.django_db

PROVIDER = {
    "OIDC_RP_CLIENT_ID": "ketenzicht",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.test/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.test/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.test/jwks",
    "OIDC_RP_SIGN_ALGO": "RS256",
}


@pytest.fixture
def backend() -> Any:
    with override_settings(**PROVIDER):
        yield KetenzichtOIDCBackend()


def request() -> Any:
    req: Any = RequestFactory().get("/oidc/callback/")
    req.session = SessionStore()
    req._messages = FallbackStorage(req)
    return req


def claims(**extra: Any) -> dict[str, Any]:
    return {
        "sub": "abc-123",
        "preferred_username": "j.devries",
        "organisation": "oost-brabant",
        "roles": ["case_screener"],
        "given_name": "Jan",
        "family_name": "de Vries",
        "amr": ["pwd"],
        **extra,
    }


def test_a_new_user_gets_the_organisation_and_exactly_the_roles_of_the_claims(backend: Any) -> None:
    user: Any = backend.login_from_claims(request(), claims(roles="case_screener team_lead"))
    assert user is not None and user.pk is not None
    assert user.organisation.code == "oost-brabant" and user.role_codes == {"case_screener", "team_lead"}
    assert user.first_name == "Jan" and not user.has_usable_password()
    assert user.kz_provider_mfa is False  # a password at the provider only: the local code is asked


def test_an_existing_user_loses_the_roles_the_claims_no_longer_give(
    backend: Any, make_user: Callable[..., Any]
) -> None:
    make_user("case_screener", "functional_admin", username="j.devries", organisation="limburg")
    user = backend.login_from_claims(request(), claims(roles=["case_owner"]))
    user = User.objects.select_related("organisation").get(pk=user.pk)
    assert user.organisation is not None and user.organisation.code == "oost-brabant"
    assert user.role_codes == {"case_owner"}


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"organisation": "nergens"}, "unknown organisation: nergens"),
        ({"organisation": None}, "unknown organisation: -"),
        ({"roles": ["case_screener", "superuser"]}, "unknown role: superuser"),
        ({"roles": []}, "no role"),
        ({"preferred_username": ""}, "no user name"),
    ],
)
def test_claims_that_do_not_fit_refuse_the_login_and_are_logged(
    backend: Any, changed: dict[str, Any], reason: str
) -> None:
    req = request()
    assert backend.login_from_claims(req, claims(**changed)) is None
    assert not User.objects.filter(username="j.devries").exists()
    entry = AccessLogEntry.objects.get(result=Result.REFUSED, object_type="session")
    assert entry.detail == {"reason": reason} and entry.origin.startswith("oidc")
    assert [m.level_tag for m in req._messages] == ["error"]


def test_an_inactive_account_is_refused(backend: Any, make_user: Callable[..., Any]) -> None:
    user = make_user("case_screener", username="j.devries")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.login_from_claims(request(), claims()) is None


@override_settings(KETENZICHT_OIDC_ROLE_MAP={"kz-screener": "case_screener"})
def test_the_providers_role_names_are_translated(backend: Any) -> None:
    user = backend.login_from_claims(request(), claims(roles=["kz-screener"]))
    assert user.role_codes == {"case_screener"}


def test_the_providers_second_factor_counts_when_it_says_so_and_that_is_trusted(backend: Any) -> None:
    assert backend.login_from_claims(request(), claims(amr=["pwd", "mfa"])).kz_provider_mfa is True
    assert backend.login_from_claims(request(), claims(amr=["otp"])).kz_provider_mfa is True
    with override_settings(KETENZICHT_OIDC_TRUST_PROVIDER_MFA=False):
        assert backend.login_from_claims(request(), claims(amr=["mfa"])).kz_provider_mfa is False


def test_the_backend_merges_the_id_token_and_userinfo_claims(backend: Any, monkeypatch: Any) -> None:
    backend.request = request()
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"roles": ["prosecutor"]})
    token_claims = claims(organisation="om-oost-brabant", amr=["mfa"])
    user = backend.get_or_create_user("access", "id", {k: v for k, v in token_claims.items() if k != "roles"})
    assert user.role_codes == {"prosecutor"} and user.kz_provider_mfa is True
