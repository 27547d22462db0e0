"""Reads for organisations and users."""

from __future__ import annotations

from django.http import HttpRequest

from .models import ApiToken, Municipality, Organisation, User
from .roles import OrganisationKind
from .services import api_token_hash


def police_units_by_code() -> dict[str, Organisation]:
    return {o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.POLITIE)}


def municipalities_by_code() -> dict[str, Municipality]:
    return {m.code: m for m in Municipality.objects.all()}


def user_for_api_token(token: str) -> User | None:
    found = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(token_hash=api_token_hash(token), revoked=False, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    return found.user


def api_caller(request: HttpRequest) -> User:
    """The user an API request was authenticated as (django-ninja puts it on `request.auth`)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
