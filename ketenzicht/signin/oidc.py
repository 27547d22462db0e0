"""Login by an identity provider (OpenID Connect, mozilla-django-oidc), next to local accounts.

The provider's claims decide who the user is: the user name (KETENZICHT_OIDC_USERNAME_CLAIM), the
organisation by its code (KETENZICHT_OIDC_ORGANISATION_CLAIM) and the roles (KETENZICHT_OIDC_ROLES_CLAIM, a
list or a text separated by spaces or commas; KETENZICHT_OIDC_ROLE_MAP translates the provider's values to
Ketenzicht's role codes). An unknown or inactive organisation, an unknown role, no role at all or an inactive
account refuses the login, with a message on the login page and an entry in the access log. A user gets
exactly the roles the claims give: a new user is created with them, an existing one loses any other.

Whether the provider's own second factor counts: with KETENZICHT_OIDC_TRUST_PROVIDER_MFA (the default) a
login whose `amr` claim holds one of KETENZICHT_OIDC_MFA_AMR ("mfa", "otp") needs no local code; any other
login asks for the local second factor like a password login."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import user_create, user_set_roles


class ClaimsRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, list | tuple):
        return [str(part) for part in value if str(part)]
    return [str(value)]


def roles_from_claims(claims: dict[str, Any]) -> list[str]:
    mapping: dict[str, str] = settings.KETENZICHT_OIDC_ROLE_MAP
    values = claim_values(claims.get(settings.KETENZICHT_OIDC_ROLES_CLAIM))
    roles = [mapping.get(value, value) for value in values]
    unknown = sorted({value for value, role in zip(values, roles, strict=True) if role not in Role.values})
    if unknown:
        raise ClaimsRefused(
            f"unknown role: {', '.join(unknown)}",
            _(
                "Your account at the identity provider has a role Ketenzicht does not know. "
                "Ask your administrator."
            ),
        )
    if not roles:
        raise ClaimsRefused(
            "no role",
            _(
                "Your account at the identity provider gives you no role in Ketenzicht. "
                "Ask your administrator."
            ),
        )
    return sorted(set(roles))


def provider_mfa(claims: dict[str, Any]) -> bool:
    """Whether the provider says it asked for a second factor itself, and that counts here."""
    if not settings.KETENZICHT_OIDC_TRUST_PROVIDER_MFA:
        return False
    return bool(set(claim_values(claims.get("amr"))) & set(settings.KETENZICHT_OIDC_MFA_AMR))


@transaction.atomic
def user_from_claims(claims: dict[str, Any]) -> User:
    """The user the claims describe, created or brought up to date; ClaimsRefused when they do not fit."""
    username = str(claims.get(settings.KETENZICHT_OIDC_USERNAME_CLAIM) or "").strip()
    if not username:
        raise ClaimsRefused("no user name", _("The identity provider did not say who you are."))
    code = str(claims.get(settings.KETENZICHT_OIDC_ORGANISATION_CLAIM) or "").strip()
    organisation = Organisation.objects.filter(code=code, active=True).first() if code else None
    if organisation is None:
        raise ClaimsRefused(
            f"unknown organisation: {code or '-'}",
            _("Your organisation is not known in Ketenzicht. Ask your administrator."),
        )
    roles = roles_from_claims(claims)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(username=username, password=None, organisation=organisation, roles=roles)
    elif not user.is_active:
        raise ClaimsRefused("inactive account", _("Your account in Ketenzicht is not active."))
    else:
        user.organisation = organisation
        user.save(update_fields=["organisation"])
        user_set_roles(user=user, roles=roles)
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name"), ("email", "email")):
        if claims.get(claim):
            setattr(user, field, str(claims[claim])[:150])
    user.save()
    return user


class KetenzichtOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """AUTHENTICATION_BACKENDS entry when production.py finds the provider's settings."""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        claims = {**payload, **(self.get_userinfo(access_token, id_token, payload) or {})}
        return self.login_from_claims(self.request, claims)

    def login_from_claims(self, request: HttpRequest | None, claims: dict[str, Any]) -> User | None:
        try:
            user = user_from_claims(claims)
        except ClaimsRefused as refused:
            tried = str(claims.get(settings.KETENZICHT_OIDC_USERNAME_CLAIM) or "?")
            with transaction.atomic():
                access_log_record(
                    actor=None, actor_username=tried, action=Action.LOGIN, object_type="session",
                    result=Result.REFUSED, origin=request_origin(request, "oidc"),
                    detail={"reason": refused.reason},
                )  # fmt: skip
            if request is not None:
                messages.error(request, refused.message, fail_silently=True)
            return None
        # Read at login (receivers.py): whether this session needs the local second factor.
        user.kz_provider_mfa = provider_mfa(claims)  # type: ignore[attr-defined]
        return user
