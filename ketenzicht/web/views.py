"""The shell around the desks: home and health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketenzicht.prosecution.selectors import may_answer_requests, request_counts


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    # A chain partner sees how many requests of the ZSM table wait for them, and how many are past their term.
    counts = request_counts(user=user) if may_answer_requests(user) else None  # type: ignore[arg-type]
    return render(request, "web/home.html", {"request_counts": counts})


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # health reports any database failure as such
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status=status
    )
