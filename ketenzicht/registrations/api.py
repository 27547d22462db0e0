"""Read routes of the register: the registrations the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from ketenzicht.audit.services import request_origin
from ketenzicht.db import MAX_ROW_ID
from ketenzicht.organisations.selectors import api_caller

from .export import registration_to_exchange
from .purposes import BREAK_GLASS_PARAM, linked_purpose
from .selectors import registration_list_for_user
from .services import registration_list_logged, registration_open
from .sharing import may_see_registrations

router = Router(tags=["registrations"])


# Bounded in the schema, so an out-of-range value is a 422 before it reaches the database (a 64-bit
# overflow there was a 500).
MAX_OFFSET = 10**9


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RegistrationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


@router.get("/registrations", response=RegistrationPage, summary="Registrations the caller may see")
def registration_list(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    user, origin = api_caller(request), request_origin(request, "api")
    if not may_see_registrations(user):
        registration_list_logged(user=user, origin=origin, detail={}, refused=True)
        raise HttpError(403, "your role sees no registrations under the sharing rules")
    qs = registration_list_for_user(user=user).prefetch_related(
        "relations__from_mention", "relations__to_mention"
    )
    shown = list(qs[page.offset : page.offset + page.limit])
    items = [registration_to_exchange(r) for r in shown]
    registration_list_logged(
        user=user, origin=origin, detail={"count": len(items), "offset": page.offset}, shown=shown
    )
    return {"count": qs.count(), "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/registrations/{registration_id}", response=dict[str, Any], summary="One registration")
def registration_detail(
    request: HttpRequest,
    registration_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    person: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> dict[str, Any]:
    """`person`: a person under the caller's break-the-glass grant that holds, whose registration this is:
    read outside the sharing rules, logged with the grant. Otherwise ignored (the one 404 stays)."""
    registration = registration_open(
        user=api_caller(request),
        pk=registration_id,
        origin=request_origin(request, "api"),
        purpose=linked_purpose(request, registration_id, params=[BREAK_GLASS_PARAM]) if person else None,
    )
    return registration_to_exchange(registration)
