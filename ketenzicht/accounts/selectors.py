"""Reads for the user management pages: who may use them, the users (searched and filtered), one user,
their API tokens and what they hold, and the organisations (units) with their active users per role."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from ketenzicht.organisations.models import (
    ApiToken,
    Municipality,
    Organisation,
    Post,
    UnitMove,
    User,
    UserRole,
)
from ketenzicht.organisations.roles import Role, roles_fitting
from ketenzicht.organisations.signals import Holding, user_holdings

PAGE_SIZE = 50
MANAGER_ROLES = (Role.FUNCTIONAL_ADMIN,)


def may_manage_users(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(*MANAGER_ROLES))


def user_list(*, q: str = "", organisation: Organisation | None = None, role: str = "") -> QuerySet[User]:
    """Every user (active or not), by username; `q` matches the username or a part of the name."""
    users = User.objects.select_related("organisation").prefetch_related("roles").order_by("username")
    for word in q.split():
        users = users.filter(
            Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    if organisation is not None:
        users = users.filter(organisation=organisation)
    if role:
        users = users.filter(roles__role=role)
    return users


def user_tokens(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first, revoked ones included (only their prefix is known)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


@dataclass(frozen=True)
class SecondFactor:
    """What a user's second factor consists of: authenticator devices (confirmed or being set up), security
    keys and passkeys, and the recovery codes left. Counts only: never a key or a code."""

    authenticators: int
    recovery_codes: int
    security_keys: int = 0

    @property
    def any(self) -> bool:
        return bool(self.authenticators or self.recovery_codes or self.security_keys)


def user_second_factor(user: User) -> SecondFactor:
    return SecondFactor(
        authenticators=TOTPDevice.objects.filter(user=user).count(),
        recovery_codes=StaticToken.objects.filter(device__user=user).count(),
        security_keys=WebAuthnCredential.objects.filter(user=user).count(),
    )


def user_role_choices(user: User) -> list[Role]:
    """The roles to offer on the user's page: those fitting their organisation's kind, and any they hold
    that do not (so they can be taken away)."""
    kind = user.organisation.kind if user.organisation else ""
    offered = set(roles_fitting(kind)) | {Role(code) for code in user.role_codes}
    return [role for role in Role if role in offered]


def user_holdings_of(user: User) -> list[Holding]:
    """What the user holds that others must go on with when they leave: what the apps above say (the open
    cases they own, those where they are the victim's contact person; by reference only), and their posts."""
    found: list[Holding] = []
    for _receiver, answer in user_holdings.send(sender=User, user=user):
        given: list[Holding] = answer or []  # type: ignore[assignment]  # each receiver's list
        found += [holding for holding in given if holding.items]
    posts = Post.objects.filter(user=user).select_related("organisation").order_by("kind")
    if posts:
        found.append(
            Holding(
                gettext("Posts they hold"),
                tuple(f"{post.get_kind_display()} ({post.organisation.name})" for post in posts),
            )
        )
    return found


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.name_with_login


@dataclass(frozen=True)
class UnitPeriod:
    """A unit the user belonged to: from `since` (the day they came: created or moved there) until `until`
    (the day they moved on; None: still there), moved there by `by` ("" for the unit they started in) for
    `reason`."""

    organisation: Organisation | None
    since: date
    until: date | None
    by: str
    reason: str


def user_unit_history(user: User) -> list[UnitPeriod]:
    """The units the user belonged to, the first first: the one they were created in, then one per move.
    One query."""
    moves = list(
        UnitMove.objects.filter(user=user)
        .select_related("from_organisation", "to_organisation", "moved_by")
        .order_by("on", "id")
    )
    first = moves[0].from_organisation if moves else user.organisation
    periods = [
        UnitPeriod(first, timezone.localdate(user.date_joined), moves[0].on if moves else None, "", "")
    ]
    for number, move in enumerate(moves):
        until = moves[number + 1].on if number + 1 < len(moves) else None
        periods.append(UnitPeriod(move.to_organisation, move.on, until, _person(move.moved_by), move.reason))
    return periods


def user_unit_since(user: User) -> date:
    """The day the user came to their present unit: their last move's, else the day they were created."""
    last = UnitMove.objects.filter(user=user).order_by("-on", "-id").values_list("on", flat=True).first()
    return last if last is not None else timezone.localdate(user.date_joined)


def user_move_choices(user: User) -> list[Organisation]:
    """The units the user may move to: the active organisations of their own's kind but their own, when
    every role they hold fits that kind (none for a user without an organisation, or holding a role that
    does not fit it: the roles are put right first)."""
    if user.organisation is None:
        return []
    kind = user.organisation.kind
    if not user.role_codes or user.role_codes - set(roles_fitting(kind)):
        return []
    return list(
        Organisation.objects.filter(kind=kind, active=True).exclude(pk=user.organisation.pk).order_by("name")
    )


@dataclass(frozen=True)
class UnitRow:
    """One organisation on the units page: the municipalities it serves (police unit, Veilig Thuis region or
    district office; none for a national organisation) and its active users per role."""

    organisation: Organisation
    municipalities: list[str]
    active_users: list[tuple[Role, int]]
    users: int  # active users, each once


def unit_overview() -> list[UnitRow]:
    """Every organisation (active ones first, then by kind and name) with what the functional administrator
    needs to place users: served municipalities and the number of active users per role (a user with two
    roles counts under both). Four queries, whatever the number of organisations."""
    served: dict[int, list[str]] = {}
    for name, *units in Municipality.objects.order_by("name").values_list(
        "name", "police_unit_id", "vt_region_id", "district_office_id"
    ):
        for unit in set(units):
            served.setdefault(unit, []).append(name)
    counts: dict[int, dict[str, int]] = {}
    per_role = (
        UserRole.objects.filter(user__is_active=True, user__organisation__isnull=False)
        .values_list("user__organisation_id", "role")
        .annotate(n=Count("user_id", distinct=True))
    )
    for organisation_id, role, n in per_role:
        counts.setdefault(organisation_id, {})[role] = n
    active_users = dict(
        User.objects.filter(is_active=True, organisation__isnull=False)
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    rows = []
    for organisation in Organisation.objects.select_related("police_unit").order_by(
        "-active", "kind", "name"
    ):
        mine = counts.get(organisation.pk, {})
        rows.append(
            UnitRow(
                organisation=organisation,
                municipalities=served.get(organisation.pk, []),
                active_users=[(role, mine[role]) for role in Role if role in mine],
                users=active_users.get(organisation.pk, 0),
            )
        )
    return rows


# --- the access log's names for users and API tokens (registered in apps.py) -------------------------------

_WITH_USERNAME = re.compile(r"(.*)\(([^()]+)\)")


def user_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each user of these ids (as the access log stores them): "Ingrid de Vries (ingrid)", the
    username alone for a user without a name. For the access log's readers only."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = User.objects.filter(pk__in=numbers)
    return {str(user.pk): user.name_with_login for user in found}


def user_ids_of_log_name(text: str) -> list[str]:
    """The users a name as the log shows it names: "Name (username)", the username or the full name."""
    wanted = " ".join(text.split())
    if not wanted:
        return []
    pair = _WITH_USERNAME.fullmatch(wanted)
    if pair is not None:
        found = User.objects.filter(username__iexact=pair.group(2).strip())
    else:
        full_name = Trim(Concat("first_name", Value(" "), "last_name"))
        found = User.objects.annotate(full_name=full_name).filter(
            Q(username__iexact=wanted) | Q(full_name__iexact=wanted)
        )
    return [str(pk) for pk in found.values_list("pk", flat=True)]


def token_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each API token of these ids: its name, the first characters shown when it was made, and
    its user, "koppeling VT (abcd1234…), vt-koppeling". Never the token."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = ApiToken.objects.filter(pk__in=numbers).select_related("user")
    return {str(token.pk): f"{token.name} ({token.prefix}…), {token.user.username}" for token in found}
