"""Writes for organisations, municipalities and users."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from .models import (
    ApiToken,
    MemberAbsence,
    Municipality,
    Organisation,
    Post,
    PostKind,
    UnitMove,
    User,
    UserRole,
)
from .refdata import ReferenceDataError, RowError, content_hash, read_csv, record_version
from .roles import OrganisationKind, Role
from .signals import absence_changed, user_deactivated, user_moved

DATA_DIR = Path(__file__).resolve().parent / "data"
API_TOKEN_NAME_LENGTH = 100  # ApiToken.name

# CBS's own headers ("Gebieden in Nederland") next to ours, so the full CBS list can be dropped in.
MUNICIPALITY_ALIASES = {
    "gemeentecode": "code",
    "gemeentecodegm": "code",
    "gemeentenaam": "name",
    "veiligheidsregiocode": "vt_region",
    "politie_eenheid": "police_unit",
    "arrondissementsparket": "district_office",
}


@dataclass(frozen=True)
class LoadResult:
    dataset: str
    version: str
    counts: dict[str, int]
    changed: bool


def _cbs_municipality_code(raw: str) -> str | None:
    value = raw.strip().upper()
    if re.fullmatch(r"\d{1,4}", value):
        value = "GM" + value.zfill(4)
    return value if re.fullmatch(r"GM\d{4}", value) else None


@transaction.atomic
def reference_data_load_organisations(*, data_dir: Path = DATA_DIR) -> LoadResult:
    """Load organisations and municipalities from their data files; all or nothing."""
    manifest = yaml.safe_load((data_dir / "manifest.yaml").read_text(encoding="utf-8"))
    org_path = data_dir / manifest["files"]["organisations"]
    mun_path = data_dir / manifest["files"]["municipalities"]
    errors: list[RowError] = []
    kinds = set(OrganisationKind.values)

    org_rows: list[tuple[int, dict[str, str]]] = list(read_csv(org_path))
    org_codes = {row["code"] for _, row in org_rows}
    prefixes: set[str] = set()
    for line, row in org_rows:
        if not re.fullmatch(r"[a-z0-9-]+", row.get("code", "")):
            errors.append(RowError(org_path.name, line, "code", "must be lower-case letters, digits and '-'"))
        if row.get("kind") not in kinds:
            errors.append(RowError(org_path.name, line, "kind", f"unknown kind {row.get('kind')!r}"))
        prefix = row.get("reference_prefix", "")
        if prefix and not re.fullmatch(r"[A-Z]{2}[0-9]{0,4}", prefix):
            errors.append(
                RowError(org_path.name, line, "reference_prefix", "must be two capitals and up to 4 digits")
            )
        elif prefix and prefix in prefixes:
            errors.append(RowError(org_path.name, line, "reference_prefix", f"{prefix} appears twice"))
        prefixes.add(prefix)
        if row.get("police_unit") and row["police_unit"] not in org_codes:
            errors.append(
                RowError(org_path.name, line, "police_unit", f"unknown unit {row['police_unit']!r}")
            )
    if errors:
        raise ReferenceDataError(errors)

    orgs: dict[str, Organisation] = {}
    for _, row in org_rows:
        orgs[row["code"]], _created = Organisation.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "name": row["name"],
                "region_code": row.get("region_code", ""),
                "reference_prefix": row.get("reference_prefix", ""),
            },
        )
    for _, row in org_rows:
        if row.get("police_unit"):
            org = orgs[row["code"]]
            org.police_unit = orgs[row["police_unit"]]
            org.save(update_fields=["police_unit"])

    by_region_code = {o.region_code: o for o in orgs.values() if o.kind == OrganisationKind.VEILIG_THUIS}
    municipalities: list[tuple[str, str, Organisation, Organisation, Organisation]] = []
    seen: set[str] = set()
    for line, row in read_csv(mun_path, MUNICIPALITY_ALIASES):
        code = _cbs_municipality_code(row.get("code", ""))
        if code is None:
            errors.append(RowError(mun_path.name, line, "code", "must be a CBS code GMxxxx"))
            continue
        if code in seen:
            errors.append(RowError(mun_path.name, line, "code", f"{code} appears twice"))
        seen.add(code)
        if not row.get("name"):
            errors.append(RowError(mun_path.name, line, "name", "is empty"))
        refs: dict[str, Organisation] = {}
        for field, kind in (
            ("police_unit", OrganisationKind.POLITIE),
            ("vt_region", OrganisationKind.VEILIG_THUIS),
            ("district_office", OrganisationKind.OM),
        ):
            value = row.get(field, "")
            org_or_none = orgs.get(value) or (
                by_region_code.get(value.upper()) if field == "vt_region" else None
            )
            if org_or_none is None or org_or_none.kind != kind:
                errors.append(RowError(mun_path.name, line, field, f"unknown {kind.label.lower()} {value!r}"))
            else:
                refs[field] = org_or_none
        if len(refs) == 3:
            municipalities.append(
                (code, row["name"], refs["police_unit"], refs["vt_region"], refs["district_office"])
            )
    if errors:
        raise ReferenceDataError(errors)
    for code, name, police_unit, vt_region, district_office in municipalities:
        Municipality.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "police_unit": police_unit,
                "vt_region": vt_region,
                "district_office": district_office,
            },
        )
    changed = record_version(
        "organisations",
        str(manifest["version"]),
        content_hash(data_dir / "manifest.yaml", org_path, mun_path),
    )
    return LoadResult(
        "organisations",
        str(manifest["version"]),
        {"organisations": len(orgs), "municipalities": len(municipalities)},
        changed,
    )


@transaction.atomic
def user_create(
    *, username: str, password: str | None, organisation: Organisation, roles: list[str], **fields: str
) -> User:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {', '.join(sorted(unknown))}")
    if not roles:
        raise ValueError("roles: a user needs at least one role")
    user = User(username=username, organisation=organisation, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in roles])
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str]) -> None:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {', '.join(sorted(unknown))}")
    user.roles.exclude(role__in=roles).delete()
    existing = set(user.roles.values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles if r not in existing])
    user.__dict__.pop("_role_codes", None)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token: the stored row (its hash and prefix) and the token itself, which cannot be shown
    again."""
    name = name.strip()
    if not name:
        raise ValueError("name: say what the token is for")
    if len(name) > API_TOKEN_NAME_LENGTH:
        raise ValueError(f"name: at most {API_TOKEN_NAME_LENGTH} characters")
    token = "kz_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=api_token_hash(token), prefix=token[:8])
    return row, token


def api_token_create(*, user: User, name: str) -> str:
    """Create a token and return it; it cannot be shown again."""
    return api_token_issue(user=user, name=name)[1]


def api_token_revoke(token: ApiToken) -> bool:
    """Revoke a token for good; False when it was revoked already."""
    if token.revoked:
        return False
    token.revoked = True
    token.save(update_fields=["revoked"])
    return True


@dataclass(frozen=True)
class ActiveSet:
    """What deactivating (or reactivating) a user did: the posts that ended (kind codes, in order; none on a
    reactivation)."""

    posts_ended: list[str]


def user_set_active(
    *, user: User, active: bool, actor: User | None = None, reason: str = ""
) -> ActiveSet | None:
    """Deactivate (or reactivate) a user; a user is never deleted, their history keeps them. An inactive
    user cannot log in, their sessions end at their next request and their API tokens stop working. A
    deactivation ends their posts, as a move does (with any absence recorded on them: nobody stands in for
    someone who left, and a reactivated user holds no post until one is given again), and gives back what
    they held (`user_deactivated`), in the same transaction: `actor` and `reason` go with it; the caller's
    log entry names the posts that ended (`ActiveSet.posts_ended`). None when nothing changed."""
    if user.is_active == active:
        return None
    ended: list[str] = []
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            ended = _posts_end(user)
            user_deactivated.send(sender=User, user=user, actor=actor, reason=reason.strip())
    return ActiveSet(ended)


def _posts_end(user: User, organisation: Organisation | None = None) -> list[str]:
    """The user's posts (in `organisation`, default every one) ended; their kinds, in order."""
    posts = Post.objects.filter(user=user)
    if organisation is not None:
        posts = posts.filter(organisation=organisation)
    posts = posts.order_by("kind", "id")
    ended = [post.kind for post in posts]
    posts.delete()
    user.__dict__.pop("_post_kinds", None)
    return ended


# The reason the history of each case a moved user gave back gives: where they went, and why.


@dataclass(frozen=True)
class Moved:
    """What moving a user did: the move recorded, the posts that ended in the organisation they left (kind
    codes, in order) and the prefixes of the API tokens revoked."""

    move: UnitMove
    posts_ended: list[str]
    tokens_revoked: list[str]


def user_move(*, user: User, organisation: Organisation, on: date, actor: User | None, reason: str) -> Moved:
    """Move `user` to `organisation` (of the same kind as their own) from `on`, in one transaction: their
    posts in the organisation they leave end (with any absence recorded on them), their API tokens are
    revoked (a feed of the old unit stops), they belong to the new one, and the move is recorded (by
    `actor`, with `reason`). What they held there is given back by the apps above (`user_moved`, in this
    transaction). Raises ValueError ("field: message") for a move that cannot be; the caller checks what
    the functional administrator may do."""
    reason = reason.strip()
    if not reason:
        raise ValueError("reason: say why the user moves")
    with transaction.atomic():
        # The user's row locked and read again: of two moves at once, the second sees the first's unit.
        current = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
        previous = current.organisation
        if previous is None:
            raise ValueError("organisation: the user belongs to no organisation")
        if organisation.pk == previous.pk:
            raise ValueError("organisation: the user belongs to this organisation already")
        if organisation.kind != previous.kind:
            raise ValueError("organisation: a user moves to an organisation of the same kind")
        ended = _posts_end(user, previous)
        tokens = ApiToken.objects.filter(user=user, revoked=False).order_by("created_at", "id")
        revoked = list(tokens.values_list("prefix", flat=True))
        tokens.update(revoked=True)
        user.organisation = organisation
        user.save(update_fields=["organisation"])
        at = timezone.now()
        move = UnitMove.objects.create(
            recorded_at=at,
            user=user,
            from_organisation=previous,
            to_organisation=organisation,
            on=on,
            moved_by=actor,
            reason=reason,
        )
        user_moved.send(sender=User, user=user, previous=previous, at=at, actor=actor, reason=reason)
    return Moved(move, ended, revoked)


def user_set_password(*, user: User, password: str) -> None:
    """Set a new password after Django's password validators (ValidationError names what is wrong)."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def post_assign(*, organisation: Organisation, user: User, kind: str) -> Post:
    """Give `user` the post `kind` in `organisation` (their own); repeating it changes nothing."""
    if kind not in PostKind.values:
        raise ValueError(f"kind: unknown post {kind}")
    if user.organisation_id != organisation.pk:
        raise ValueError("user: a post is held within the user's own organisation")
    post, _ = Post.objects.get_or_create(organisation=organisation, user=user, kind=kind)
    return post


# How far from today an absence's dates may lie. An absence is recorded when it begins, or some months later
# when a long one was not recorded at once; one that lasts longer than a year ahead is recorded "until further
# notice" (no end). A date beyond (01-01-1900, 2999) is a slip of the year.
ABSENCE_WINDOW_DAYS = 365
# The English of a date out of the window (the days in the plural); `AbsenceProblem.words` says it in the
# active language, in the singular or the plural as the number asks.
ABSENCE_TOO_EARLY = (
    "an absence is recorded from at most %(days)s days back: this date cannot lie before %(day)s"
)
ABSENCE_TOO_LATE = (
    "an absence is recorded at most %(days)s days ahead: this date cannot lie after %(day)s; leave the end "
    "empty for an absence until further notice"
)


@dataclass(frozen=True)
class AbsenceProblem:
    field: str  # absent_from | absent_until
    message: str  # English, with %(name)s placeholders from `params`
    params: dict[str, Any]

    def words(self) -> str:
        """The message in the active language, its placeholders still to fill in from `params`: a number
        of days in the singular or the plural as it asks."""
        days = self.params.get("days")
        if self.message == ABSENCE_TOO_EARLY and isinstance(days, int):
            return ngettext(
                "an absence is recorded from at most %(days)s day back: this date cannot lie before %(day)s",
                "an absence is recorded from at most %(days)s days back: this date cannot lie before %(day)s",
                days,
            )
        if self.message == ABSENCE_TOO_LATE and isinstance(days, int):
            return ngettext(
                "an absence is recorded at most %(days)s day ahead: this date cannot lie after %(day)s; "
                "leave the end empty for an absence until further notice",
                "an absence is recorded at most %(days)s days ahead: this date cannot lie after %(day)s; "
                "leave the end empty for an absence until further notice",
                days,
            )
        return gettext(self.message)

    def sentence(self) -> str:
        """The problem as a sentence naming the day it is about (a form says it at its field, and the
        error summary as the field does); its placeholders still to fill in from `params`."""
        days = int(self.params.get("days") or ABSENCE_WINDOW_DAYS)
        if self.message == ABSENCE_TOO_EARLY:
            return ngettext(
                "The first day of the absence cannot lie before %(day)s: an absence is recorded from at most "
                "%(days)s day back.",
                "The first day of the absence cannot lie before %(day)s: an absence is recorded from at most "
                "%(days)s days back.",
                days,
            )
        if self.message == ABSENCE_TOO_LATE and self.field == "absent_from":
            return ngettext(
                "The first day of the absence cannot lie after %(day)s: an absence is recorded at most "
                "%(days)s day ahead.",
                "The first day of the absence cannot lie after %(day)s: an absence is recorded at most "
                "%(days)s days ahead.",
                days,
            )
        if self.message == ABSENCE_TOO_LATE:
            return ngettext(
                "The last day of the absence cannot lie after %(day)s: an absence is recorded at most "
                "%(days)s day ahead; leave it empty for an absence until further notice.",
                "The last day of the absence cannot lie after %(day)s: an absence is recorded at most "
                "%(days)s days ahead; leave it empty for an absence until further notice.",
                days,
            )
        return self.words()


def absence_problems(
    absent_from: date | None, absent_until: date | None, *, today: date
) -> list[AbsenceProblem]:
    """What is wrong with the dates of an absence, each naming its field: a date more than
    ABSENCE_WINDOW_DAYS before or after `today`, an end before the start."""
    problems: list[AbsenceProblem] = []
    earliest = today - timedelta(days=ABSENCE_WINDOW_DAYS)
    latest = today + timedelta(days=ABSENCE_WINDOW_DAYS)
    for field, day in (("absent_from", absent_from), ("absent_until", absent_until)):
        if day is None:
            continue
        if day < earliest and field == "absent_from":
            problems.append(
                AbsenceProblem(field, ABSENCE_TOO_EARLY, {"days": ABSENCE_WINDOW_DAYS, "day": earliest})
            )
        elif day > latest:
            problems.append(
                AbsenceProblem(field, ABSENCE_TOO_LATE, {"days": ABSENCE_WINDOW_DAYS, "day": latest})
            )
    if absent_from is not None and absent_until is not None and absent_until < absent_from:
        problems.append(AbsenceProblem("absent_until", gettext_noop("the absence ends before it starts"), {}))
    return problems


def post_absence_set(
    post: Post, *, absent_from: date | None, absent_until: date | None, today: date | None = None
) -> Post:
    """Record (or, with None, clear) an absence of the post holder; the substitute takes new cases then. In
    one transaction with what the apps above do on `absence_changed` (the ZSM table hands an absent
    prosecutor's open files to whoever stands in). Raises ValueError ("field: message") for dates out of
    their window (`absence_problems`, around `today`, default today); stores nothing then."""
    if absent_from is None:
        absent_until = None
    problems = absence_problems(absent_from, absent_until, today=today or timezone.localdate())
    if problems:
        first = problems[0]
        raise ValueError(f"{first.field}: {first.message % first.params if first.params else first.message}")
    with transaction.atomic():
        post.absent_from, post.absent_until = absent_from, absent_until
        post.save(update_fields=["absent_from", "absent_until"])
        absence_changed.send(sender=Post, post=post)
    return post


def member_absence_set(
    member: User,
    *,
    absent_from: date | None,
    absent_until: date | None,
    by: User | None,
    today: date | None = None,
) -> MemberAbsence | None:
    """Record (or, with `absent_from` None, clear) the absence of a member of a police unit or a Veilig
    Thuis organisation, one who holds no post as a rule (decision 0019): the one recorded before is
    replaced. Who may record it for whom is the caller's to decide (`selectors.absence_members_for`).
    Raises ValueError ("field: message") for dates out of their window (`absence_problems`, around `today`,
    default today); stores nothing then. The absence stored, or None when cleared."""
    if absent_from is None:
        MemberAbsence.objects.filter(user=member).delete()
        return None
    problems = absence_problems(absent_from, absent_until, today=today or timezone.localdate())
    if problems:
        first = problems[0]
        raise ValueError(f"{first.field}: {first.message % first.params if first.params else first.message}")
    if member.organisation_id is None:
        raise ValueError("user: an absence is recorded within the member's own organisation")
    absence, _ = MemberAbsence.objects.update_or_create(
        user=member,
        defaults={
            "organisation_id": member.organisation_id,
            "absent_from": absent_from,
            "absent_until": absent_until,
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    return absence
