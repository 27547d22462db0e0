"""Until the second factor is passed, a logged-in user reaches only the views marked
`second_factor_not_required` (the two second-factor pages, logout) and those that need no login (login,
health, the language switch); every other page sends them to the second factor. Under /api/ an unverified
session counts as no session: a request there needs an API token (machine access, no second factor) or a
verified session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .selectors import second_factor_passed, second_factor_required

API_PREFIX = "/api/"
V = TypeVar("V", bound=Callable[..., Any])


def second_factor_not_required(view: V) -> V:
    view.second_factor_not_required = True  # type: ignore[attr-defined]
    return view


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware and the LoginRequiredMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not second_factor_required() or not request.user.is_authenticated:
            return None
        if getattr(view_func, "second_factor_not_required", False):
            return None
        if not getattr(view_func, "login_required", True):  # login, health, set_language
            return None
        if second_factor_passed(request):
            return None
        if request.path.startswith(API_PREFIX) and not request.path.startswith(f"{API_PREFIX}v1/docs"):
            request.user = AnonymousUser()  # the session does not count; a token still does
            return None
        target = f"{reverse('second_factor')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
