"""The second factor after the password: enter a code, or set up an authenticator app first."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from ketenzicht.organisations.models import User

from .forms import CodeForm
from .middleware import second_factor_not_required
from .qr import qr_svg
from .selectors import second_factor_passed, totp_device_confirmed
from .services import (
    second_factor_locked,
    second_factor_lockout_log,
    second_factor_verify,
    secret_base32,
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
    if totp_device_confirmed(user) is None:
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
    return render(
        request, "signin/second_factor.html", {"form": form, "wrong": wrong, "next": _next(request)}
    )


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if totp_device_confirmed(user) is not None:
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
    }
    return render(request, "signin/second_factor_setup.html", context)
