"""Reads for organisations and users."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext

from .models import ApiToken, Municipality, Organisation, Post, PostKind, User
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


def dv_prosecutor_for(office: Organisation | int, *, on: date) -> tuple[User | None, bool]:
    """The prosecutor for domestic violence and stalking of a district office on `on`: the post holder, or
    when absent the substitute (the second value says a substitute stands in); (None, False) when neither
    is there. Two queries at most whatever the number of posts."""
    office_id = office if isinstance(office, int) else office.pk
    posts = list(
        Post.objects.select_related("user")
        .filter(
            organisation_id=office_id,
            kind__in=[PostKind.DV_PROSECUTOR, PostKind.DV_SUBSTITUTE],
            user__is_active=True,
        )
        .order_by("kind", "id")
    )
    for kind, substitute in ((PostKind.DV_PROSECUTOR, False), (PostKind.DV_SUBSTITUTE, True)):
        for post in posts:
            if post.kind == kind and not post.absent_on(on):
                return post.user, substitute
    return None, False


def post_holders(organisation: Organisation | int, kind: str) -> list[User]:
    """The active users holding `kind` in `organisation` (e.g. its ZSM coordinators)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return [
        post.user
        for post in Post.objects.select_related("user").filter(
            organisation_id=organisation_id, kind=kind, user__is_active=True
        )
    ]


def _post_kinds(user: User) -> frozenset[str]:
    """The posts the user holds in their own organisation: one query per request (kept on the user)."""
    held: frozenset[str] | None = getattr(user, "_post_kinds", None)
    if held is None:
        held = (
            frozenset(
                Post.objects.filter(user_id=user.pk, organisation_id=user.organisation_id or 0).values_list(
                    "kind", flat=True
                )
            )
            if user.pk
            else frozenset()
        )
        user._post_kinds = held  # type: ignore[attr-defined]
    return held


def holds_post(user: User, *kinds: str) -> bool:
    """Whether the user holds one of these posts in their own organisation."""
    return bool(_post_kinds(user).intersection(kinds))


def post_labels(user: User) -> list[str]:
    """The posts the user holds in their organisation, in words (shown beside their roles)."""
    return [str(PostKind(kind).label) for kind in sorted(_post_kinds(user))]


SYSTEM_ACTOR = "system"  # the actor name of what Ketenzicht did itself (a check, a detection)


def people_names(usernames: set[str]) -> dict[str, str]:
    """Usernames as the people's names for a history: a page names a colleague, not an account; what
    Ketenzicht did itself is "Ketenzicht". A username of an account that is gone stays as it was."""
    found = User.objects.filter(username__in=usernames - {"", SYSTEM_ACTOR})
    names = {user.username: user.get_full_name() or user.username for user in found}
    names[SYSTEM_ACTOR] = gettext("Ketenzicht")
    return {name: names.get(name, name) for name in usernames}
