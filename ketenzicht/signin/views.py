"""The second factor after the password: enter a code or use a security key, or set up an authenticator app
or a security key first; the user's own security keys."""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration as webauthn_configuration
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from ketenzicht.organisations.models import User

from .forms import CodeForm
from .middleware import second_factor_not_required
from .qr import qr_svg
from .selectors import (
    has_second_factor_device,
    recovery_codes_left,
    second_factor_passed,
    security_keys,
    totp_device_confirmed,
)
from .services import (
    KeyRefused,
    recovery_codes_new,
    recovery_codes_pop,
    second_factor_locked,
    second_factor_lockout_log,
    second_factor_verify,
    secret_base32,
    security_key_refused,
    security_key_registered,
    security_key_registration_refused,
    security_key_remove,
    security_key_verified,
    totp_setup_confirm,
    totp_setup_start,
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return resolve_url("home")


def _locked_out(request: HttpRequest, user: User) -> HttpResponse:
    second_factor_lockout_log(request, user)
    logout(request)
    return render(request, "registration/locked_out.html", status=429)


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if second_factor_passed(request):
        return redirect(_next(request))
    if not has_second_factor_device(user):
        return redirect(f"{resolve_url('second_factor_setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    wrong = False
    if request.method == "POST":
        if second_factor_locked(request, user):
            return _locked_out(request, user)
        if form.is_valid():
            if second_factor_verify(request, user, form.cleaned_data["otp_token"]):
                return redirect(_next(request))
            if second_factor_locked(request, user):
                return _locked_out(request, user)
        wrong = True
    context = {
        "form": form,
        "wrong": wrong,
        "next": _next(request),
        "has_app": totp_device_confirmed(user) is not None,
        "has_keys": security_keys(user).exists(),
        "has_recovery_codes": recovery_codes_left(user) > 0,
        "webauthn_config": webauthn_config(request),
    }
    return render(request, "signin/second_factor.html", context)


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if has_second_factor_device(user):
        return redirect("second_factor")
    device = totp_setup_start(user)
    form = CodeForm(request.POST or None)
    wrong = False
    if request.method == "POST":
        if second_factor_locked(request, user):
            return _locked_out(request, user)
        if form.is_valid():
            codes = totp_setup_confirm(request, user, device, form.cleaned_data["otp_token"])
            if codes is not None:
                return render(request, "signin/recovery_codes.html", {"codes": codes, "next": _next(request)})
        wrong = True
    uri = device.config_url
    context = {
        "form": form,
        "wrong": wrong,
        "uri": uri,
        "secret": secret_base32(device),
        "qr": qr_svg(uri),
        "next": _next(request),
        "webauthn_config": webauthn_config(request),
        "keys_done_url": f"{resolve_url('second_factor_recovery_codes')}?{request.GET.urlencode()}",
    }
    return render(request, "signin/second_factor_setup.html", context)


# Security keys and passkeys (WebAuthn): django-otp-webauthn's views, with the access log, the lockout, the
# first key's recovery codes and Dutch answers. Its JavaScript (a static file of the package) calls them; the
# configuration it reads is a JSON data element on the page (no inline script).


def webauthn_config(request: HttpRequest) -> dict[str, object]:
    """What the package's script reads from the page: our URLs and the CSRF token."""
    return cast(dict[str, object], webauthn_configuration(request))


class KeyLockedOut(webauthn_errors.OTPWebAuthnApiError):  # type: ignore[misc]
    status_code = 429
    default_code = "locked_out"
    default_detail = _("Too many failed attempts: you have been logged out. Try again later.")


class KeyNotAccepted(webauthn_errors.OTPWebAuthnApiError):  # type: ignore[misc]
    """What the user is told of any failed use of a key (the log has the package's reason)."""

    status_code = 403
    default_detail = _("Your security key was not accepted. Try again, or use a code.")


class _KeyRegistration:
    """A session that passed the second factor at the identity provider (KETENZICHT_OIDC_TRUST_PROVIDER_MFA)
    may add a key like a session that passed it here; any other session of an account with a second factor
    must pass it first (the package refuses: user_not_verified)."""

    request: HttpRequest

    def user_is_mfa_enrolled(self, user: User) -> bool:
        if second_factor_passed(self.request):
            return False
        return bool(super().user_is_mfa_enrolled(user))  # type: ignore[misc]


class KeyRegistrationBegin(_KeyRegistration, BeginCredentialRegistrationView):  # type: ignore[misc]
    def handle_exception(self, exc: Exception) -> HttpResponse:
        user: Any = self.request.user
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError) and user.is_authenticated:
            security_key_registration_refused(self.request, user, exc.code)
        return cast(HttpResponse, super().handle_exception(exc))


class KeyRegistrationComplete(_KeyRegistration, CompleteCredentialRegistrationView):  # type: ignore[misc]
    """Stores the key (the package verifies it); a first device also gets ten recovery codes."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        user: User = self.request.user  # type: ignore[assignment]
        first = not has_second_factor_device(user)
        response = super().post(*args, **kwargs)
        device = security_keys(user).get(pk=json.loads(response.content)["id"])
        security_key_registered(self.request, user, device, first=first)
        return cast(HttpResponse, response)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        user: Any = self.request.user
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError) and user.is_authenticated:
            security_key_registration_refused(self.request, user, exc.code)
        return cast(HttpResponse, super().handle_exception(exc))


class KeyAuthenticationBegin(BeginCredentialAuthenticationView):  # type: ignore[misc]
    pass


class KeyAuthenticationComplete(CompleteCredentialAuthenticationView):  # type: ignore[misc]
    """The key's answer after the password: passes the second factor (a new session id), logged; a failure is
    logged and counts towards the lockout, like a wrong code, and at the lockout the user is logged out."""

    def initial(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        user: Any = request.user
        if user.is_authenticated and second_factor_locked(request, user):
            raise KeyLockedOut()

    def complete_auth(self, device: WebAuthnCredential) -> None:
        security_key_verified(self.request, device)

    def get_success_url(self) -> str:
        return _next(self.request)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        user: Any = self.request.user
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError) and user.is_authenticated:
            if not isinstance(exc, KeyLockedOut):
                security_key_refused(self.request, user, exc.code)
            if isinstance(exc, KeyLockedOut) or second_factor_locked(self.request, user):
                second_factor_lockout_log(self.request, user)
                logout(self.request)
                exc = KeyLockedOut()
            else:
                exc = KeyNotAccepted(code=exc.code)
        return cast(HttpResponse, super().handle_exception(exc))


def _not_required(view_class: Any) -> Any:
    return second_factor_not_required(view_class.as_view())


key_registration_begin = _not_required(KeyRegistrationBegin)
key_registration_complete = _not_required(KeyRegistrationComplete)
key_authentication_begin = _not_required(KeyAuthenticationBegin)
key_authentication_complete = _not_required(KeyAuthenticationComplete)
# The package's own messages for its script (Dutch), a script file like any other.
key_messages = second_factor_not_required(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]))


@second_factor_not_required
@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The ten recovery codes of a first security key or asked for anew (`?nieuw=1`), shown once; then on to
    where the user was going."""
    codes = recovery_codes_pop(request)
    if not codes or not second_factor_passed(request):
        return redirect(_next(request))
    renewed = bool(request.GET.get(RENEWED_PARAM))
    context = {"codes": codes, "next": _next(request), "via_key": not renewed, "renewed": renewed}
    return render(request, "signin/recovery_codes.html", context)


RENEWED_PARAM = "nieuw"


@require_http_methods(["GET", "POST"])
def security_key_list(request: HttpRequest) -> HttpResponse:
    """The user's own security keys and passkeys: add one, remove one (not the last device of the second
    factor); and new recovery codes (shown once, on the recovery codes page)."""
    user: User = request.user  # type: ignore[assignment]
    refused = False
    if request.method == "POST" and request.POST.get("action") == "recovery_codes":
        if not has_second_factor_device(user):
            raise Http404
        recovery_codes_new(request, user)
        back = resolve_url("second_factor_keys")
        return redirect(f"{resolve_url('second_factor_recovery_codes')}?{RENEWED_PARAM}=1&next={back}")
    if request.method == "POST":
        try:
            key_id = int(request.POST.get("key", ""))
            security_key_remove(request, user, key_id)
        except (ValueError, WebAuthnCredential.DoesNotExist) as error:
            raise Http404 from error
        except KeyRefused:
            refused = True
        else:
            messages.success(request, _("The security key has been removed."))
            return redirect("second_factor_keys")
    context = {
        "keys": list(security_keys(user)),
        "has_app": totp_device_confirmed(user) is not None,
        "has_device": has_second_factor_device(user),
        "recovery_codes": recovery_codes_left(user),
        "refused": refused,
        "webauthn_config": webauthn_config(request),
    }
    return render(request, "signin/security_keys.html", context, status=409 if refused else 200)
