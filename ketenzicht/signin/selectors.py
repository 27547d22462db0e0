"""What a user's second factor is: their TOTP device (confirmed or still being set up), their security keys
and passkeys (WebAuthn), and whether this session has passed it."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from ketenzicht.organisations.models import User

# Set at login: True when an identity provider vouched for its own second factor (see oidc.py).
PROVIDER_MFA_SESSION_KEY = "kz_provider_mfa"


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def security_keys(user: User) -> QuerySet[WebAuthnCredential]:
    """The user's security keys and passkeys, oldest first."""
    keys: QuerySet[WebAuthnCredential] = WebAuthnCredential.objects.filter(user=user, confirmed=True)
    return keys.order_by("created_at", "pk")


def has_second_factor_device(user: User) -> bool:
    """An authenticator app or a security key: then the login asks for it (else the set-up page)."""
    return totp_device_confirmed(user) is not None or security_keys(user).exists()


def recovery_codes_left(user: User) -> int:
    return sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user))


def second_factor_required() -> bool:
    return bool(settings.KETENZICHT_OTP_REQUIRED)


def second_factor_passed(request: HttpRequest) -> bool:
    """This session's user entered a code of their own device (django-otp), or logged in at an identity
    provider whose own second factor counts (KETENZICHT_OIDC_TRUST_PROVIDER_MFA)."""
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    return request.session.get(PROVIDER_MFA_SESSION_KEY) is True
