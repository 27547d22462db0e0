"""A login ends after KETENZICHT_SESSION_IDLE_SECONDS without a request, and at the latest
KETENZICHT_SESSION_SECONDS after it began (SESSION_COOKIE_AGE, the cookie's life, is that too). The user is
logged out and sent to the login page, which says why.

The session keeps when the login began and when the user last made a request; the latter is written at most
once a minute (WRITE_EVERY), so an idle session ends between the idle time and a minute more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from ketenzicht.ui import clock

STARTED = "kz_session_started"
LAST_SEEN = "kz_session_last_seen"
WRITE_EVERY = 60  # seconds


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware, before LoginRequiredMiddleware (which sends the
    now anonymous visitor to the login page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended is not None:
                logout(request)
                messages.info(request, ended)
                if getattr(request, "htmx", False):  # a fragment's request: the whole page goes to log in
                    return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return self.get_response(request)

    def _ended(self, request: HttpRequest) -> str | None:
        """Why the session ends now, or None while it lasts (then its times are kept up to date)."""
        session: Any = request.session
        now = clock.now()
        started, last_seen = session.get(STARTED), session.get(LAST_SEEN)
        if not isinstance(started, int | float) or not isinstance(last_seen, int | float):
            session[STARTED] = session[LAST_SEEN] = int(now)
            return None
        idle = settings.KETENZICHT_SESSION_IDLE_SECONDS
        if now - last_seen > idle:
            minutes = max(1, round(idle / 60))
            return ngettext(
                "You were logged out after %(minutes)s minute without activity. Log in again.",
                "You were logged out after %(minutes)s minutes without activity. Log in again.",
                minutes,
            ) % {"minutes": minutes}
        longest = settings.SESSION_COOKIE_AGE
        if now - started > longest:
            hours = max(1, round(longest / 3600))
            return ngettext(
                "You were logged out: a session lasts at most %(hours)s hour. Log in again.",
                "You were logged out: a session lasts at most %(hours)s hours. Log in again.",
                hours,
            ) % {"hours": hours}
        if now - last_seen >= WRITE_EVERY:
            session[LAST_SEEN] = int(now)
        return None
