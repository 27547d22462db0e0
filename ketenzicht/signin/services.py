"""Setting up and passing the second factor: a TOTP device (an authenticator app), security keys and passkeys
(WebAuthn, django-otp-webauthn's device) and ten recovery codes (django-otp's static device), each use
written to the access log.

A wrong code counts as a failed login for django-axes (the same lockout as a wrong password: the user name
from this address is locked at AXES_FAILURE_LIMIT failures), and django-otp itself makes each device wait
longer after every wrong code (1, 2, 4, 8 ... seconds) until a right one."""

from __future__ import annotations

import base64

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import User

from .selectors import security_keys, totp_device_confirmed

RECOVERY_CODES = 10
OBJECT = "second_factor"  # action `login`: the second step of the login
# Marks the failed login a wrong code sends to django-axes; the access log has its own entry for it.
SECOND_FACTOR_CREDENTIAL = "second_factor"


def _log(request: HttpRequest, user: User, *, result: str, step: str, **detail: object) -> None:
    access_log_record(
        actor=user, action=Action.LOGIN, object_type=OBJECT, result=result,
        origin=request_origin(request, "web"), detail={"step": step, **detail},
    )  # fmt: skip


def _count_failure(request: HttpRequest, user: User) -> None:
    """A wrong code is a failed login for django-axes (the lockout of wrong passwords)."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.username, SECOND_FACTOR_CREDENTIAL: True},
        request=request,
    )


def second_factor_locked(request: HttpRequest, user: User) -> bool:
    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.username}))


def secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it typed in."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def totp_setup_start(user: User) -> TOTPDevice:
    """The device being set up: a new secret the first time, the same one on a reload until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_setup_confirm(request: HttpRequest, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code: then this session has passed the second factor, and the user
    gets ten new recovery codes (returned, to show once). None for a wrong code."""
    if not device.verify_token(token.strip()):
        _log(request, user, result=Result.REFUSED, step="setup")
        _count_failure(request, user)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_renew(user)
    _session_verified(request, device)
    _log(request, user, result=Result.STORED, step="setup", recovery_codes=len(codes))
    return codes


def recovery_codes_renew(user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_verify(request: HttpRequest, user: User, token: str) -> bool:
    """A code from the user's authenticator app, or one of their recovery codes (which then stops working).
    Logged either way; a wrong code counts towards the lockout."""
    token = token.strip().replace(" ", "")
    totp = totp_device_confirmed(user)
    if totp is not None and token.isdigit() and totp.verify_token(token):
        _session_verified(request, totp)
        _log(request, user, result=Result.GRANTED, step="code")
        return True
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.lower()):
            _session_verified(request, device)
            left = device.token_set.count()
            _log(request, user, result=Result.GRANTED, step="recovery_code", recovery_codes_left=left)
            return True
    _log(request, user, result=Result.REFUSED, step="code")
    _count_failure(request, user)
    return False


def second_factor_lockout_log(request: HttpRequest, user: User) -> None:
    with transaction.atomic():
        _log(request, user, result=Result.REFUSED, step="locked_out")


# The recovery codes of a first security key, kept in the session until the page that shows them once.
RECOVERY_CODES_SESSION_KEY = "kz_recovery_codes"


class KeyRefused(Exception):
    """A security key may not be removed; the message says why."""


@transaction.atomic
def security_key_registered(
    request: HttpRequest, user: User, device: WebAuthnCredential, *, first: bool
) -> None:
    """A security key or passkey was registered (django-otp-webauthn verified and stored it). Logged; a first
    device of the second factor (no app, no other key before) also passes it for this session (a new session
    id) and gives ten new recovery codes, kept in the session for the page that shows them once."""
    codes = recovery_codes_renew(user) if first else []
    if first:
        request.session.cycle_key()
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
    detail: dict[str, object] = {"key": device.pk}
    if first:
        detail["recovery_codes"] = len(codes)
    _log(request, user, result=Result.STORED, step="security_key_setup", **detail)


def security_key_registration_refused(request: HttpRequest, user: User, reason: str) -> None:
    with transaction.atomic():
        _log(request, user, result=Result.REFUSED, step="security_key_setup", reason=reason)


@transaction.atomic
def security_key_verified(request: HttpRequest, device: WebAuthnCredential) -> None:
    """The user's security key answered the challenge: this session has passed the second factor."""
    _session_verified(request, device)
    _log(request, device.user, result=Result.GRANTED, step="security_key", key=device.pk)


def security_key_refused(request: HttpRequest, user: User, reason: str) -> None:
    """A failed use of a security key (a key of someone else, an answer that does not verify, a replay):
    logged and counted as a failed login, like a wrong code."""
    with transaction.atomic():
        _log(request, user, result=Result.REFUSED, step="security_key", reason=reason)
    _count_failure(request, user)


@transaction.atomic
def security_key_remove(request: HttpRequest, user: User, key_id: int) -> None:
    """Remove one of the user's own keys (another user's: DoesNotExist). Not the last device of the second
    factor: a user without an app keeps at least one key (KeyRefused)."""
    device = security_keys(user).get(pk=key_id)
    others = security_keys(user).exclude(pk=device.pk).exists()
    if not others and totp_device_confirmed(user) is None:
        raise KeyRefused
    passed_with_it = getattr(request.user, "otp_device", None) == device
    device.delete()
    if passed_with_it:  # this session passed the second factor with the removed key: it stays passed
        remaining = security_keys(user).first() or totp_device_confirmed(user)
        if remaining is not None:
            otp_login(request, remaining)
    _log(request, user, result=Result.STORED, step="security_key_removed", key=key_id)


@transaction.atomic
def recovery_codes_new(request: HttpRequest, user: User) -> list[str]:
    """Ten new recovery codes the user asked for (the old ones stop working), logged (their number, never
    the codes) and kept in the session for the page that shows them once."""
    codes = recovery_codes_renew(user)
    request.session[RECOVERY_CODES_SESSION_KEY] = codes
    _log(request, user, result=Result.STORED, step="recovery_codes_renewed", recovery_codes=len(codes))
    return codes


def recovery_codes_pop(request: HttpRequest) -> list[str]:
    """The recovery codes of a first security key or asked for anew, once."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return [str(code) for code in codes] if isinstance(codes, list) else []


def _session_verified(request: HttpRequest, device: TOTPDevice | StaticDevice | WebAuthnCredential) -> None:
    request.session.cycle_key()  # a new session id for the session that now passed both factors
    otp_login(request, device)


@transaction.atomic
def totp_device_fixed(user: User, *, secret: str, tolerance: int = 1) -> TOTPDevice:
    """Give `user` a confirmed TOTP device with a known base32 secret (the demo users; the browser tests).
    Never for a real account: whoever knows the secret has the second factor."""
    padded = secret + "=" * (-len(secret) % 8)
    key = base64.b32decode(padded.upper()).hex()
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="authenticator", key=key, confirmed=True, tolerance=tolerance
    )


def totp_code_now(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app with this base32 key shows now (or at the Unix time `at`)."""
    padded = secret + "=" * (-len(secret) % 8)
    totp = TOTP(base64.b32decode(padded.upper()))
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"
