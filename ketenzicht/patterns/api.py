"""The signals of the caller's police unit as JSON: the list, and one signal with its reasons and the
registrations the caller may see. The same access rule and logging as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from ketenzicht.audit.services import request_origin
from ketenzicht.db import MAX_ROW_ID
from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import api_caller

from .models import Severity, Signal
from .selectors import (
    SignalSight,
    may_see_signals,
    signal_evidence_for_user,
    signal_list_for_user,
    signal_reasons_for_user,
    signal_sight_for_user,
)
from .services import signal_list_logged, signal_open

router = Router(tags=["signals"])


class SignalPage(Schema):
    # Bounded in the schema: an out-of-range value is a 422, never a database overflow.
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)
    active_only: bool = True
    open_only: bool = True  # not closed (a withdrawn signal is closed too)


def _summary(signal: Signal, sight: SignalSight) -> dict[str, Any]:
    """A signal as the caller may see it: the registration that made it fire, and the dates of the
    registrations, only when the caller may see that registration; the others counted, never named."""
    first = sight.first_fired
    return {
        "id": signal.pk,
        "rule": signal.rule,
        "severity": Severity(signal.severity).name.lower(),
        "active": signal.active,
        "state": signal.state,
        "closed_reason": signal.closed_reason or None,
        "suspect": signal.suspect_id,
        "victim": signal.victim_id,
        "first_fired_at": first.registered_at.isoformat() if first is not None else None,
        "first_fired_registration": (
            {"source": first.source, "reference": first.reference} if first is not None else None
        ),
        "last_registered_at": sight.last_registered_at.isoformat() if sight.last_registered_at else None,
        "unit": signal.unit.code if signal.unit is not None else None,
        "rules_version": signal.rules_version,
        "registrations_not_shown": sight.hidden_total,
        "registrations_not_shown_by_organisation": [group.as_dict() for group in sight.hidden],
    }


def _caller(request: HttpRequest) -> User:
    user = api_caller(request)
    if not may_see_signals(user):
        signal_list_logged(user=user, origin=request_origin(request, "api"), count=0, refused=True)
        raise HttpError(403, "signals are for the case screeners and case owners of a police unit")
    return user


@router.get("/signals", response=dict[str, Any], summary="The signals of the caller's police unit")
def signal_list(request: HttpRequest, page: Query[SignalPage]) -> dict[str, Any]:
    user = _caller(request)
    signals = signal_list_for_user(
        user=user, active_only=page.active_only, open_only=page.open_only
    ).select_related("unit")
    shown = list(signals[page.offset : page.offset + page.limit])
    sights = signal_sight_for_user(user=user, signals=shown)
    items = [_summary(s, sights[s.pk]) for s in shown]
    signal_list_logged(user=user, origin=request_origin(request, "api"), count=len(items), shown=shown)
    return {"count": signals.count(), "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/signals/{signal_id}", response=dict[str, Any], summary="One signal with its evidence")
def signal_detail(
    request: HttpRequest, signal_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
) -> dict[str, Any]:
    user = api_caller(request)  # a role that sees no signals gets the one 404 (NotVisible), logged once
    signal = signal_open(user=user, pk=signal_id, origin=request_origin(request, "api"))
    evidence = signal_evidence_for_user(user=user, signal=signal)
    sight = signal_sight_for_user(user=user, signals=[signal])[signal.pk]
    return {
        **_summary(signal, sight),
        "reasons": signal_reasons_for_user(user=user, signal=signal),
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
        ],
    }
