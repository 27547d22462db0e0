"""Person search and dossier as JSON, with the same purpose rule and access log as the pages.

Both are POST: the search terms and the purpose's free text are person data and stay out of URLs (and so
out of proxy and server logs)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from ketenzicht.audit.services import request_origin
from ketenzicht.audit.text import unstorable
from ketenzicht.db import MAX_ROW_ID
from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import api_caller

from .engine.query import QueryError
from .purpose import Purpose, PurposeInvalid, purpose_for_case, purpose_for_signal, purpose_make
from .selectors import may_open_dossier, may_search_persons
from .services import LookupRefused, dossier_open, person_search

router = Router(tags=["persons"])


def _storable(value: str | None) -> str | None:
    """A NUL or lone surrogate is a 422 naming the field, before anything is looked up or logged."""
    reason = unstorable(value) if value is not None else None
    if reason is not None:
        raise ValueError(reason)
    return value


class PurposeIn(Schema):
    reason: str | None = None
    text: str | None = None
    registration: str | None = None
    signal: int | None = None  # dossier only: a signal about this person the caller may open
    case: int | None = None  # dossier only: a case of this person the caller may open

    _storable = field_validator("reason", "text", "registration")(_storable)


class SearchIn(Schema):
    q: str
    purpose: PurposeIn | None = None

    _storable = field_validator("q")(_storable)


class DossierIn(Schema):
    purpose: PurposeIn | None = None


class PersonHitOut(Schema):
    person_id: int
    score: float
    names: list[str]
    birth_dates: list[str]
    municipality: str
    registrations: int


class SearchOut(Schema):
    count: int
    items: list[PersonHitOut]


def _purpose(user: User, given: PurposeIn | None) -> tuple[Purpose | None, str]:
    """(the purpose, or None with the reason why not)."""
    if given is None:
        return None, "purpose: state a purpose"
    try:
        return purpose_make(
            user=user, reason=given.reason, text=given.text, registration=given.registration
        ), ""
    except PurposeInvalid as error:
        return None, f"purpose.{error.field.removeprefix('purpose_')}: {error.message}"


@router.post("/persons/search", response=SearchOut, summary="Search persons (needs a purpose)")
def persons_search(request: HttpRequest, body: SearchIn) -> dict[str, Any]:
    user, origin = api_caller(request), request_origin(request, "api")
    purpose, why = _purpose(user, body.purpose) if may_search_persons(user) else (None, "")
    try:
        hits = person_search(user=user, text=body.q, purpose=purpose, origin=origin)
    except LookupRefused as refusal:
        raise HttpError(403, why or f"{refusal.field}: {refusal.message}") from None
    except QueryError as error:
        raise HttpError(422, f"{error.field}: {error.message}") from None
    return {"count": len(hits), "items": [hit.__dict__ for hit in hits]}


@router.post(
    "/persons/{person_id}/dossier", response=dict[str, Any], summary="A person's dossier (needs a purpose)"
)
def person_dossier(
    request: HttpRequest, person_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)], body: DossierIn
) -> dict[str, Any]:
    user, origin = api_caller(request), request_origin(request, "api")
    purpose, why = _purpose(user, body.purpose) if may_open_dossier(user) else (None, "")
    if may_open_dossier(user) and body.purpose is not None and body.purpose.signal is not None:
        purpose = purpose_for_signal(user=user, signal_id=body.purpose.signal, person_id=person_id)
        why = "" if purpose else "purpose.signal: no signal about this person that you may open"
    elif may_open_dossier(user) and body.purpose is not None and body.purpose.case is not None:
        purpose = purpose_for_case(user=user, case_id=body.purpose.case, person_id=person_id)
        why = "" if purpose else "purpose.case: no case of this person that you may open"
    try:
        dossier = dossier_open(user=user, person_id=person_id, purpose=purpose, origin=origin)
    except LookupRefused as refusal:  # no purpose (NotVisible passes on: the one 404)
        raise HttpError(403, why or f"{refusal.field}: {refusal.message}") from None

    def counts(row: Any) -> dict[str, Any]:
        return {"label": row.label, "suspect": row.suspect, "victim": row.victim, "other": row.other}

    return {
        "person_id": dossier.person.pk,
        "names": dossier.names,
        "birth_dates": dossier.birth_dates,
        "totals": counts(dossier.totals),
        "last_12_months": counts(dossier.last_12_months),
        "by_offence": [counts(r) for r in dossier.by_offence],
        "by_year": [counts(r) for r in dossier.by_year],
        "by_source": [counts(r) for r in dossier.by_source],
        "registrations": [
            {
                "id": line.registration.pk,
                "source": line.registration.source,
                "reference": line.registration.reference,
                "when": line.when.isoformat(),
                "role": line.role,
                "offences": [o.article for o in line.offences],
                "stalking": line.stalking,
                "breach": line.breach,
                "violence": line.violence,
                "link_probability": line.probability,
                "link_method": line.method,
                "doubtful": line.doubtful,
                "review_item_id": line.review_item_id,
            }
            for line in dossier.lines
        ],
        "companions": [c.__dict__ for c in dossier.companions],
        "registrations_not_shown": dossier.hidden_total,
        "registrations_not_shown_by_organisation": [group.as_dict() for group in dossier.hidden],
        "access": [
            {
                "at": entry.at.isoformat(),
                "who": entry.actor_username,
                "organisation": entry.organisation_code,
                "action": entry.action,
                "purpose": entry.purpose,
                "result": entry.result,
            }
            for entry in dossier.access
        ],
    }
