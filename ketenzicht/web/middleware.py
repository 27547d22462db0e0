"""Every page requires login, except the views marked `login_not_required`; the API does its own auth.
Error pages in the application's look. The Permissions-Policy header."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    API_PREFIX = "/api/"

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        # API routes answer 401 themselves (session or token); their docs carry login_required.
        if request.path.startswith(self.API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


logger = logging.getLogger("ketenzicht.web")


class ErrorPagesMiddleware:
    """403, 404 and 500 in the application's look and language, with DEBUG on too; under /api/ as JSON.

    A refusal (403, 404) is logged as one line by Django's request logger, not as a traceback; a 500 keeps
    its traceback in the server log. A path that matches no URL never reaches `process_view`: a 404
    answer to it is replaced here (with DEBUG on that would be Django's debug page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 404 and not getattr(request, "_kz_resolved", False):
            return error_response(request, 404)
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        request._kz_resolved = True  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if isinstance(exception, Http404):
            return error_response(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_response(request, 403)
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return None  # Django answers 400 and logs it to django.security
        logger.error("Internal server error: %s", request.path, exc_info=exception)
        got_request_exception.send(sender=None, request=request)  # as Django does (the test client re-raises)
        return error_response(request, 500)


_API_DETAIL = {403: "Forbidden", 404: "Not Found", 500: "Internal server error"}


def error_response(request: HttpRequest, status: int) -> HttpResponseBase:
    if request.path.startswith(LoginRequiredMiddleware.API_PREFIX):
        return JsonResponse({"detail": _API_DETAIL[status]}, status=status)
    try:
        return render(request, f"{status}.html", status=status)
    except Exception:  # the page itself failed (a broken database, say): a plain page still answers
        logger.exception("Rendering the %s page failed", status)
        return HttpResponse(
            f"<!DOCTYPE html><title>{status}</title><h1>{status}</h1>",
            status=status,
            content_type="text/html",
        )


def server_error(request: HttpRequest) -> HttpResponseBase:
    """handler500: the application's page (Django's default one is English and unstyled)."""
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseBase:
    """CSRF_FAILURE_VIEW: a refused form (an expired page, say) gets the application's 403 page too."""
    return error_response(request, 403)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header of settings.PERMISSIONS_POLICY on every response that has none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = settings.PERMISSIONS_POLICY
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
