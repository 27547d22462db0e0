"""The signals list of a police unit and one signal with its evidence, for case screeners and owners."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin

from .labels import reason_rows, rule_description, rule_label
from .selectors import (
    may_see_signals,
    signal_evidence_for_user,
    signal_get_for_user,
    signal_list_for_user,
    signal_names_for_user,
)
from .services import signal_mark_seen

PURPOSE = "screening of pattern signals of the own unit"
PAGE_SIZE = 50


def _require(request: HttpRequest) -> None:
    if not may_see_signals(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    active_only = request.GET.get("alle") != "1"
    signals = signal_list_for_user(user=request.user, active_only=active_only)  # type: ignore[arg-type]
    page = Paginator(signals, PAGE_SIZE).get_page(request.GET.get("page"))
    names = signal_names_for_user(user=request.user, signals=list(page.object_list))  # type: ignore[arg-type]
    rows = [
        {
            "signal": signal,
            "label": rule_label(signal.rule),
            "names": names.get(signal.pk, ([], [])),
            "seen_by_me": any(s.user_id == request.user.pk for s in signal.seen.all()),
        }
        for signal in page.object_list
    ]
    with transaction.atomic():
        access_log_record(
            actor=request.user, action=Action.LIST, object_type="signal", result=Result.SHOWN,
            purpose=PURPOSE, origin=request_origin(request, "web"), detail={"count": len(rows)},
        )  # fmt: skip
    return render(
        request, "patterns/signal_list.html", {"page": page, "rows": rows, "active_only": active_only}
    )


@require_GET
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    origin = request_origin(request, "web")
    try:
        signal = signal_get_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]
    except Http404:
        with transaction.atomic():
            access_log_record(
                actor=request.user, action=Action.VIEW, object_type="signal", object_id=pk,
                result=Result.REFUSED, purpose=PURPOSE, origin=origin,
            )  # fmt: skip
        raise
    evidence = signal_evidence_for_user(user=request.user, signal=signal)  # type: ignore[arg-type]
    with transaction.atomic():
        signal_mark_seen(signal=signal, user=request.user)
        access_log_record(
            actor=request.user, action=Action.VIEW, object_type="signal", object_id=pk, result=Result.SHOWN,
            purpose=PURPOSE, origin=origin,
            detail={"registrations": [row.registration.pk for row in evidence.rows if row.registration]},
        )  # fmt: skip
    return render(
        request,
        "patterns/signal_detail.html",
        {
            "signal": signal,
            "label": rule_label(signal.rule),
            "description": rule_description(signal.rule),
            "reasons": reason_rows(signal.reasons),
            "evidence": evidence,
            "seen": list(signal.seen.select_related("user")),
        },
    )
