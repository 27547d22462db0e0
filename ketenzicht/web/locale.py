"""Dutch first: the interface language is Dutch unless the user picked another one."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class DutchUnlessChosenMiddleware:
    """Runs before LocaleMiddleware and hides the browser's Accept-Language, so that a browser set to
    English does not switch the interface: the user's own choice (the language cookie) still counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
