"""The functional administrator's writes on users and API tokens. Each is one transaction with its
access-log entry (object type `user` or `api_token`, a detail with what changed, never a password or a
token). What is refused raises AccountRefused naming the field, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import ApiToken, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role, roles_fitting
from ketenzicht.organisations.services import (
    ActiveSet,
    Moved,
    api_token_issue,
    api_token_revoke,
    user_create,
    user_move,
    user_set_active,
    user_set_password,
    user_set_roles,
)

from .selectors import may_manage_users, user_second_factor, user_unit_since

USER = "user"
API_TOKEN = "api_token"


@dataclass(frozen=True)
class AccountRefused(Exception):
    """The change is refused; `field` names the form field it is about."""

    field: str
    message: str | Promise

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _stored(
    object_type: str, object_id: int, *, action: str, actor: User, origin: str, detail: dict[str, Any]
) -> None:
    """One access-log entry for a change the administrator stored (never a password, token or key)."""
    access_log_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result="stored",
        origin=origin,
        detail=detail,
    )


def _check_manager(actor: User) -> None:
    if not may_manage_users(actor):
        raise PermissionError("only a functional administrator manages users")


def _check_roles(roles: list[str]) -> None:
    """At least one role, every one known."""
    if not roles:
        raise AccountRefused("roles", _("Choose at least one role."))
    if set(roles) - set(Role.values):
        raise AccountRefused("roles", _("Unknown role."))


def _check_roles_fit(roles: list[str], organisation: Organisation | None, *, keep: frozenset[str]) -> None:
    """Every role known and fitting the organisation's kind (a role the user holds already may stay)."""
    _check_roles(roles)
    kind = organisation.kind if organisation else ""
    misfits = [Role(r) for r in roles if r not in roles_fitting(kind) and r not in keep]
    if misfits:
        raise AccountRefused(
            "roles",
            _("%(roles)s does not fit an organisation of the kind %(kind)s.")
            % {
                "roles": ", ".join(str(r.label) for r in misfits),
                "kind": str(OrganisationKind(kind).label) if kind else "—",
            },
        )


def _password_problems(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AccountRefused("password", " ".join(error.messages)) from error


def account_create_problems(
    *,
    username: str | None,
    organisation: Organisation | None,
    roles: list[str] | None,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> list[AccountRefused]:
    """Every refusal of a new user at once, at most one per field, so that a form shows them together. A
    value given as None could not be read (its form field has an error already) and is not checked."""
    problems: list[AccountRefused] = []
    if username is not None:
        username = username.strip()
        if not username:
            problems.append(AccountRefused("username", _("Enter a username.")))
        elif User.objects.filter(username__iexact=username).exists():
            problems.append(AccountRefused("username", _("This username is taken.")))
    if organisation is not None and not organisation.active:
        problems.append(AccountRefused("organisation", _("This organisation is no longer active.")))
    if roles is not None:
        try:
            if organisation is None:
                _check_roles(roles)
            else:
                _check_roles_fit(roles, organisation, keep=frozenset())
        except AccountRefused as refused:
            problems.append(refused)
    if password is not None:
        names = {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email.strip()}
        problems += account_password_problems(User(username=(username or "").strip(), **names), password)
    return problems


def account_password_problems(user: User, password: str) -> list[AccountRefused]:
    """What the password validators hold against `password` for `user` (one refusal on the field, or none)."""
    try:
        _password_problems(password, user)
    except AccountRefused as refused:
        return [refused]
    return []


def account_token_problems(user: User) -> list[AccountRefused]:
    """Why `user` gets no new API token, whatever it is for: a deactivated user gets none."""
    if not user.is_active:
        return [AccountRefused("name", _("This user is deactivated: reactivate them first."))]
    return []


def account_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: list[str],
    password: str,
    origin: str,
) -> User:
    """A new user with their roles and an initial password (which must pass the password validators). A
    refusal raises the first of account_create_problems, which a form asks first to show them all."""
    _check_manager(actor)
    username = username.strip()
    names = {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email.strip()}
    problems = account_create_problems(
        username=username, organisation=organisation, roles=roles, password=password, **names
    )
    if problems:
        raise problems[0]
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = user_create(
                    username=username, password=password, organisation=organisation, roles=roles, **names
                )
        except IntegrityError as error:  # taken meanwhile by another administrator
            raise AccountRefused("username", _("This username is taken.")) from error
        _stored(
            USER,
            user.pk,
            action="create",
            actor=actor,
            origin=origin,
            detail={"username": username, "organisation": organisation.code, "roles": sorted(roles)},
        )
    return user


def account_set_roles(*, actor: User, user: User, roles: list[str], origin: str) -> bool:
    """Give the user exactly `roles`; False when nothing changed. An administrator keeps their own
    functional administrator role and gives themselves no new role: that would let them grant themselves
    any need-to-know (a prosecutor's files, the privacy officer's access log and break-the-glass review),
    so another administrator does it."""
    _check_manager(actor)
    if user.pk == actor.pk and Role.FUNCTIONAL_ADMIN not in roles:
        raise AccountRefused("roles", _("You cannot take away your own functional administrator role."))
    held = user.role_codes
    if user.pk == actor.pk and set(roles) - held:
        raise AccountRefused(
            "roles", _("You cannot give yourself a role: another functional administrator does that.")
        )
    _check_roles_fit(roles, user.organisation, keep=held)
    added, removed = sorted(set(roles) - held), sorted(held - set(roles))
    if not added and not removed:
        return False
    with transaction.atomic():
        user_set_roles(user=user, roles=roles)
        _stored(
            USER,
            user.pk,
            action="change",
            actor=actor,
            origin=origin,
            detail={"username": user.username, "roles": {"added": added, "removed": removed}},
        )
    return True


def account_set_active(
    *, actor: User, user: User, active: bool, origin: str, reason: str = ""
) -> ActiveSet | None:
    """Deactivate or reactivate a user (never delete: their history keeps them); None when nothing
    changed. An administrator cannot deactivate themselves. A deactivation says why (`reason`, in the log and
    in the history of every open case the user held: those go back to their unit, in this transaction), and
    ends their posts (the log entry names them, `posts_ended`)."""
    _check_manager(actor)
    if user.pk == actor.pk and not active:
        raise AccountRefused("active", _("You cannot deactivate yourself."))
    reason = reason.strip()
    if not active and user.is_active and not reason:
        raise AccountRefused("reason", _("Say why the user is deactivated."))
    with transaction.atomic():
        changed = user_set_active(user=user, active=active, actor=actor, reason=reason)
        if changed:
            _stored(
                USER,
                user.pk,
                action="reactivate" if active else "deactivate",
                actor=actor,
                origin=origin,
                detail={
                    "username": user.username,
                    "active": active,
                    **({} if active else {"reason": reason, "posts_ended": changed.posts_ended}),
                },
            )
    return changed


def account_reset_password(*, actor: User, user: User, password: str, origin: str) -> None:
    """Set a new password for the user (the password validators decide); the log says only that it was."""
    _check_manager(actor)
    _password_problems(password, user)
    with transaction.atomic():
        user_set_password(user=user, password=password)
        _stored(
            USER,
            user.pk,
            action="reset",
            actor=actor,
            origin=origin,
            detail={"username": user.username, "password": "reset"},
        )


def account_reset_second_factor(*, actor: User, user: User, origin: str) -> bool:
    """Remove the user's second factor (their authenticator devices, security keys and recovery codes), so
    that they set up a new device at their next login; a session that passed with a removed device no longer
    counts. False when there was nothing to remove (nothing logged then). The log names what was removed, in
    counts."""
    _check_manager(actor)
    with transaction.atomic():
        removed = user_second_factor(user)
        if not removed.any:
            return False
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()  # with their codes
        WebAuthnCredential.objects.filter(user=user).delete()  # with their attestations
        access_log_record(
            actor=actor,
            action="reset",
            object_type=USER,
            object_id=user.pk,
            result="stored",
            origin=origin,
            detail={
                "username": user.username,
                "second_factor": {
                    "authenticators": removed.authenticators,
                    "recovery_codes": removed.recovery_codes,
                    "security_keys": removed.security_keys,
                },
            },
        )
    return True


def account_token_create(*, actor: User, user: User, name: str, origin: str) -> tuple[ApiToken, str]:
    """A new API token for an active user: the row and the token, to be shown once."""
    _check_manager(actor)
    problems = account_token_problems(user)
    if problems:
        raise problems[0]
    with transaction.atomic():
        try:
            row, token = api_token_issue(user=user, name=name)
        except ValueError as error:
            raise AccountRefused("name", _("Say what the token is for (at most 100 characters).")) from error
        _stored(
            API_TOKEN,
            row.pk,
            action="create",
            actor=actor,
            origin=origin,
            detail={"username": user.username, "name": row.name, "prefix": row.prefix},
        )
    return row, token


def account_token_revoke(*, actor: User, token: ApiToken, origin: str) -> bool:
    """Revoke one of a user's API tokens; False when it was revoked already."""
    _check_manager(actor)
    with transaction.atomic():
        changed = api_token_revoke(token)
        if changed:
            _stored(
                API_TOKEN,
                token.pk,
                action="revoke",
                actor=actor,
                origin=origin,
                detail={"username": token.user.username, "name": token.name, "prefix": token.prefix},
            )
    return changed


def account_move_problems(
    *,
    actor: User,
    user: User,
    organisation: Organisation | None,
    on: date | None,
    reason: str | None,
    today: date | None = None,
) -> list[AccountRefused]:
    """Every refusal of moving `user` at once, at most one per field (organisation, on, reason), so that a
    form shows them together. A value given as None could not be read (its field has an error already)
    and is not checked. The new unit is active, not their own, of the same kind, and every role the user
    holds fits it; an administrator does not move themselves (another does: a unit is a need-to-know); a
    deactivated user is not moved. The day lies not after `today` (default today) and not before they came
    to their present unit."""
    problems: list[AccountRefused] = []
    own = user.organisation
    if user.pk == actor.pk:
        problems.append(
            AccountRefused(
                "organisation", _("You cannot move yourself: another functional administrator does that.")
            )
        )
    elif not user.is_active:
        problems.append(AccountRefused("organisation", _("This user is deactivated: reactivate them first.")))
    elif own is None:
        problems.append(AccountRefused("organisation", _("This user belongs to no unit yet.")))
    elif organisation is not None:
        misfits = [
            Role(code) for code in sorted(user.role_codes) if code not in roles_fitting(organisation.kind)
        ]
        if organisation.pk == own.pk:
            problems.append(AccountRefused("organisation", _("The user belongs to this unit already.")))
        elif not organisation.active:
            problems.append(AccountRefused("organisation", _("This organisation is no longer active.")))
        elif organisation.kind != own.kind:
            problems.append(
                AccountRefused(
                    "organisation",
                    _("Choose a unit of the same kind as the user's own (%(kind)s).")
                    % {"kind": str(OrganisationKind(own.kind).label)},
                )
            )
        elif misfits:
            problems.append(
                AccountRefused(
                    "organisation",
                    _("%(roles)s does not fit an organisation of the kind %(kind)s: change the roles first.")
                    % {
                        "roles": ", ".join(str(r.label) for r in misfits),
                        "kind": str(OrganisationKind(organisation.kind).label),
                    },
                )
            )
    if on is not None:
        today = today or timezone.localdate()
        since = user_unit_since(user)
        if on > today:
            problems.append(
                AccountRefused(
                    "on", _("A move is recorded when it takes effect: the day cannot lie after today.")
                )
            )
        elif on < since:
            problems.append(
                AccountRefused(
                    "on",
                    _("The user came to their present unit on %(day)s: the move cannot lie before it.")
                    % {"day": formats.date_format(since, "d-m-Y")},
                )
            )
    if reason is not None and not reason.strip():
        problems.append(AccountRefused("reason", _("Say why the user moves.")))
    return problems


def account_move(
    *, actor: User, user: User, organisation: Organisation, on: date, reason: str, origin: str
) -> Moved:
    """Move the user to another unit of the same kind from `on`, in one transaction with one access-log
    entry (the units, the day, why, the posts that ended, the tokens revoked: never a case, the
    administrator has no need-to-know of them). Their open cases in the unit they leave go back to it, their
    posts there end, their API tokens are revoked (`user_move`). A refusal raises the first of
    account_move_problems, which a form asks first to show them all."""
    _check_manager(actor)
    problems = account_move_problems(actor=actor, user=user, organisation=organisation, on=on, reason=reason)
    if problems:
        raise problems[0]
    with transaction.atomic():
        try:
            moved = user_move(user=user, organisation=organisation, on=on, actor=actor, reason=reason)
        except ValueError as error:  # moved meanwhile by another administrator
            raise AccountRefused("organisation", _("The user was moved meanwhile: look again.")) from error
        previous = moved.move.from_organisation
        _stored(
            USER,
            user.pk,
            action="move",
            actor=actor,
            origin=origin,
            detail={
                "username": user.username,
                "from": previous.code,
                "to": organisation.code,
                "on": on.isoformat(),
                "reason": reason.strip(),
                "posts_ended": moved.posts_ended,
                "tokens_revoked": moved.tokens_revoked,
            },
        )
    return moved
