"""The alerts page: what is meant for the user, unread first, each naming why; marking one read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.access import listed
from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User

from .alerts import alert_get_for_user, alert_list_for_user, alert_read, alert_text

# The access log's purpose, shown translated.
ALERT_PURPOSE = gettext_noop("reading the own alerts")
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    show_read = request.GET.get("gelezen") == "1"
    alerts = alert_list_for_user(user=user, unread_only=not show_read).order_by(
        "read_at", "-created_at", "-id"
    )
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"alert": alert, "text": alert_text(alert)} for alert in page.object_list]
    listed(
        actor=user,
        object_type="alert",
        purpose=ALERT_PURPOSE,
        origin=request_origin(request, "web"),
        detail={"count": len(rows), "page": page.number},
    )
    return render(
        request,
        "workprocesses/alerts.html",
        {"rows": rows, "page": page, "show_read": show_read, "query": "gelezen=1" if show_read else ""},
    )


@require_http_methods(["POST"])
def alert_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    alert = alert_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    alert_read(alert, actor=user)
    messages.success(request, _("Alert marked as read."))
    return redirect("workprocesses:alerts")
