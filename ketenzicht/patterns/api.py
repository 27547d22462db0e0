"""The signals of the caller's police unit as JSON: the list, and one signal with its reasons and the
registrations the caller may see. The same access rule and logging as the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.selectors import api_caller

from .models import Severity, Signal
from .selectors import may_see_signals, signal_evidence_for_user, signal_list_for_user
from .services import signal_list_logged, signal_open

router = Router(tags=["signals"])


class SignalPage(Schema):
    # Bounded in the schema: an out-of-range value is a 422, never a database overflow.
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)
    active_only: bool = True


def _summary(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk,
        "rule": signal.rule,
        "severity": Severity(signal.severity).name.lower(),
        "active": signal.active,
        "suspect": signal.suspect_id,
        "victim": signal.victim_id,
        "first_fired_at": signal.first_fired_at.isoformat(),
        "first_fired_registration": {
            "source": signal.first_fired_registration.source,
            "reference": signal.first_fired_registration.reference,
        },
        "last_registered_at": signal.last_registered_at.isoformat(),
        "unit": signal.unit.code if signal.unit is not None else None,
        "rules_version": signal.rules_version,
    }


def _caller(request: HttpRequest) -> Any:
    user = api_caller(request)
    if not may_see_signals(user):
        signal_list_logged(user=user, origin=request_origin(request, "api"), count=0, refused=True)
        raise HttpError(403, "signals are for the case screeners and case owners of a police unit")
    return user


@router.get("/signals", response=dict[str, Any], summary="The signals of the caller's police unit")
def signal_list(request: HttpRequest, page: Query[SignalPage]) -> dict[str, Any]:
    user = _caller(request)
    signals = signal_list_for_user(user=user, active_only=page.active_only).select_related("unit")
    items = [_summary(s) for s in signals[page.offset : page.offset + page.limit]]
    signal_list_logged(user=user, origin=request_origin(request, "api"), count=len(items))
    return {"count": signals.count(), "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/signals/{signal_id}", response=dict[str, Any], summary="One signal with its evidence")
def signal_detail(request: HttpRequest, signal_id: int) -> dict[str, Any]:
    user = _caller(request)
    try:
        signal = signal_open(user=user, pk=signal_id, origin=request_origin(request, "api"))
    except Http404:
        raise HttpError(404, "Not found") from None
    evidence = signal_evidence_for_user(user=user, signal=signal)
    return {
        **_summary(signal),
        "reasons": signal.reasons,
        "registrations": [
            {
                "source": row.registration.source,
                "reference": row.registration.reference,
                "registered_at": row.registration.registered_at.isoformat(),
                "first_fired_here": row.first,
                "suspect_names": row.suspect_names,
                "victim_names": row.victim_names,
            }
            for row in evidence.rows
            if row.registration is not None
        ],
        "registrations_not_shown": evidence.hidden,
    }
