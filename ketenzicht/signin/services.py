"""Setting up and passing the second factor: a TOTP device (an authenticator app) and ten recovery codes
(django-otp's static device), each use written to the access log.

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

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import User

from .selectors import totp_device_confirmed

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


def _session_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
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
