"""Reads for organisations and users."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import BooleanField, CharField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils.translation import gettext

from .models import ApiToken, MemberAbsence, Municipality, Organisation, Post, PostKind, UnitMove, User
from .roles import OrganisationKind, Role
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


def _posts_of(organisation: Organisation | int) -> list[Post]:
    """The posts of an organisation held by active users, with the users: one query."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return list(
        Post.objects.select_related("user")
        .filter(organisation_id=organisation_id, user__is_active=True)
        .order_by("kind", "id")
    )


def _absent_on(posts: Iterable[Post], day: date) -> set[int]:
    """The users an absence recorded on a post they hold covers on `day`: an absence is the person's, on
    whichever of their posts it was recorded."""
    return {post.user_id for post in posts if post.absent_on(day)}


@dataclass(frozen=True)
class OnDuty:
    """Who hears on a day of what is meant for one prosecutor of a district office.

    `user` None: nobody by name (no post holder present), the caller addresses the office's prosecutors by
    role. `stands_in_for`: the prosecutor recorded absent that day, for whom `user` (or the role) stands in.
    `post`: the post through which `user` was found ("" for the prosecutor meant)."""

    user: User | None
    stands_in_for: User | None = None
    post: str = ""


def prosecutor_on_duty(office: Organisation | int, *, on: date, prosecutor: User | None = None) -> OnDuty:
    """Who is to hear on `on` of something meant for `prosecutor` of the district office (the prosecutor of
    a measure, the owner of a file): that prosecutor, unless an absence recorded on a post they hold there
    covers the day. Then, and without a (still active) `prosecutor`, whoever the office's posts say stands
    in: the prosecutor for domestic violence and stalking, else the substitute, each only when present and
    not the absent one. When the post holder is absent and the substitute takes it, `stands_in_for` names
    the post holder. One query."""
    posts = _posts_of(office)
    absent = _absent_on(posts, on)
    stood_in: User | None = None
    if prosecutor is not None and prosecutor.is_active:
        if prosecutor.pk not in absent:
            return OnDuty(prosecutor)
        stood_in = prosecutor
    for kind in (PostKind.DV_PROSECUTOR, PostKind.DV_SUBSTITUTE):
        for post in posts:
            if post.kind != kind:
                continue
            if post.user_id in absent:
                if stood_in is None and kind == PostKind.DV_PROSECUTOR:
                    stood_in = post.user
                continue
            if stood_in is not None and post.user_id == stood_in.pk:
                continue
            return OnDuty(post.user, stood_in, kind)
    return OnDuty(None, stood_in)


def dv_prosecutor_for(office: Organisation | int, *, on: date) -> tuple[User | None, bool]:
    """The prosecutor for domestic violence and stalking of a district office on `on`: the post holder, or
    when absent the substitute (the second value says a substitute stands in); (None, False) when neither
    is there. One query whatever the number of posts."""
    duty = prosecutor_on_duty(office, on=on)
    return duty.user, duty.post == PostKind.DV_SUBSTITUTE


def post_holders(organisation: Organisation | int, kind: str) -> list[User]:
    """The active users holding `kind` in `organisation` (e.g. its ZSM coordinators)."""
    return [post.user for post in _posts_of(organisation) if post.kind == kind]


def post_holders_on(
    organisation: Organisation | int, kind: str, *, on: date
) -> tuple[list[User], list[User]]:
    """The active users holding `kind` in `organisation`, split into those present on `on` and those an
    absence covers then. One query."""
    posts = _posts_of(organisation)
    absent = _absent_on(posts, on)
    holders = [post.user for post in posts if post.kind == kind]
    return [u for u in holders if u.pk not in absent], [u for u in holders if u.pk in absent]


@dataclass(frozen=True)
class Absence:
    """An absence recorded on a post a user holds: from `starts` until `ends` (both inclusive; `ends` None:
    until further notice). `substitute`: the user is the substitute (holds the substitute's post), so a
    refusal of a hand-over to them cannot send the work to "the substitute"."""

    starts: date
    ends: date | None
    substitute: bool = False

    def params(self) -> dict[str, str]:
        """What a refusal of a hand-over to the absent user says of the absence (workprocesses.labels
        `refusal_text`, code "absent"): first and last day as ISO dates (the last "" until further notice),
        and "1" in `substitute` where they are the substitute themselves."""
        return {
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat() if self.ends else "",
            "substitute": "1" if self.substitute else "",
        }


def absences_on(users: Iterable[User | int], *, on: date) -> dict[int, Absence]:
    """The users (of those given) an absence covers on `on`, each with that absence: user id -> Absence.
    An absence is the person's: one recorded on a post they hold (the ZSM's posts), or one recorded for them
    as a member of their unit (`MemberAbsence`, decision 0019); where both cover the day, the one that
    started first. One query."""
    ids = {user if isinstance(user, int) else user.pk for user in users}
    if not ids:
        return {}
    posts = (
        Post.objects.filter(user_id__in=ids)
        .order_by()
        .values_list("user_id", "absent_from", "absent_until", "kind")
    )
    members = (
        MemberAbsence.objects.filter(user_id__in=ids)
        .order_by()
        .annotate(kind=Value("", output_field=CharField()))
        .values_list("user_id", "absent_from", "absent_until", "kind")
    )
    rows = list(posts.union(members, all=True))
    substitutes = {user_id for user_id, _from, _until, kind in rows if kind == PostKind.DV_SUBSTITUTE}
    covering = [
        (starts, user_id, ends)
        for user_id, starts, ends, _kind in rows
        if starts is not None and starts <= on and (ends is None or on <= ends)
    ]
    found: dict[int, Absence] = {}
    for starts, user_id, ends in sorted(covering, key=lambda row: row[0]):
        if user_id not in found:
            found[user_id] = Absence(starts, ends, substitute=user_id in substitutes)
    return found


def absent_condition(user_field: str, *, on: date) -> Q:
    """A filter on a model whose `user_field` names a user (e.g. "case__owner"): that user is absent on
    `on`, by a post's absence or a member's (as `absences_on` reads them), inside the one query of a
    list."""
    covers = Q(absent_from__lte=on) & (Q(absent_until__isnull=True) | Q(absent_until__gte=on))
    return Q(Exists(MemberAbsence.objects.filter(covers, user_id=OuterRef(user_field)))) | Q(
        Exists(Post.objects.filter(covers, user_id=OuterRef(user_field)))
    )


def with_absence_mark(users: QuerySet[User], *, on: date) -> QuerySet[User]:
    """The users, each with `absent_now` (an absence covers `on`), in the list's own query: a list of
    colleagues to hand work to marks whom the kernel would refuse (`absence_marked_name`)."""
    return users.annotate(
        absent_now=ExpressionWrapper(absent_condition("pk", on=on), output_field=BooleanField())
    )


def absence_marked_name(user: User) -> str:
    """The user's name, marked "(absent)" when read through `with_absence_mark` and absent that day."""
    if getattr(user, "absent_now", False):
        return gettext("%(name)s (absent)") % {"name": user.display_name}
    return user.display_name


# The organisations whose members record their absences here: their team leads for anyone of their own
# organisation, everyone for themselves. A district office records absences on its posts instead.
ABSENCE_KINDS = (OrganisationKind.POLITIE, OrganisationKind.VEILIG_THUIS)


def may_record_absences(user: User) -> bool:
    """Whether the user records absences: their own, and as a team lead their colleagues'."""
    organisation = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and user.is_active
        and organisation is not None
        and organisation.kind in ABSENCE_KINDS
    )


def absence_members_for(user: User) -> list[User]:
    """The people whose absence the user may record, by name: a team lead the active members of their own
    organisation, anyone else themselves alone; nobody outside a police unit or Veilig Thuis. One query."""
    if not may_record_absences(user):
        return []
    if not user.has_role(Role.TEAM_LEAD):
        return [user]
    return sorted(
        User.objects.filter(organisation_id=user.organisation_id or 0, is_active=True),
        key=lambda member: (member.display_name.casefold(), member.pk),
    )


def member_absences(members: Iterable[User]) -> dict[int, MemberAbsence]:
    """The member absences recorded for these users (current, coming or past): user id -> absence."""
    ids = [member.pk for member in members]
    return {absence.user_id: absence for absence in MemberAbsence.objects.filter(user_id__in=ids)}


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


def anyone_else_with_role(organisation: Organisation | int, role: str, *, besides: User) -> bool:
    """Whether an active user of the organisation other than `besides` holds `role` (who could be the
    second person for something `besides` proposed)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return (
        User.objects.filter(organisation_id=organisation_id, is_active=True, roles__role=role)
        .exclude(pk=besides.pk)
        .exists()
    )


def names_with_role(organisation: Organisation | int, role: str) -> list[str]:
    """The names of the organisation's active users who hold `role`, sorted (who to ask for a step only
    that role takes)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    users = User.objects.filter(organisation_id=organisation_id, is_active=True, roles__role=role).distinct()
    return sorted(user.display_name for user in users)


def people_names(usernames: set[str]) -> dict[str, str]:
    """Usernames as the people's names for a history: a page names a colleague, not an account; what
    Ketenzicht did itself is "Ketenzicht". A username of an account that is gone stays as it was."""
    found = User.objects.filter(username__in=usernames - {"", SYSTEM_ACTOR})
    names = {user.username: user.display_name for user in found}
    names[SYSTEM_ACTOR] = gettext("Ketenzicht")
    return {name: names.get(name, name) for name in usernames}


def organisation_names(codes: set[str]) -> dict[str, str]:
    """Organisation codes as their names, for a page that stored the code (the access log); a code of an
    organisation that is gone stays as it was."""
    found = dict(Organisation.objects.filter(code__in=codes - {""}).values_list("code", "name"))
    return {code: found.get(code, code) for code in codes}


def moves_at(lines: Iterable[tuple[str, datetime]]) -> set[tuple[str, datetime]]:
    """Of these (username, time) pairs, those when that user was moved to another unit (a move's
    `recorded_at`): a history line that gave back what they held then was written for the move, not for a
    deactivation. One query."""
    wanted = set(lines)
    if not wanted:
        return set()
    found = UnitMove.objects.filter(
        user__username__in={name for name, _at in wanted}, recorded_at__in={at for _name, at in wanted}
    ).values_list("user__username", "recorded_at")
    return {pair for pair in found if pair in wanted}
