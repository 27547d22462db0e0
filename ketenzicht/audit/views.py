"""The access log page, for privacy officers and functional administrators. Read-only by design; reading it
is logged too."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET

from ketenzicht.organisations.models import User
from ketenzicht.ui.formats import person_number, person_number_parse

from .labels import OBJECT_TYPE_LABELS
from .models import Action, Result
from .selectors import (
    AUDIT_READER_ROLES,
    access_log_by_actor,
    access_log_by_object,
    access_log_for_persons,
    access_log_list_for_user,
    access_log_named,
    action_choices,
)
from .services import access_log_record, mask_long_numbers, request_origin

PAGE_SIZE = 100
OBJECT = "access_log"
# The purpose of reading the log (shown translated), as of the break-the-glass list.
SUPERVISION_PURPOSE = gettext_noop("supervision of look-ups")


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # the login middleware let only signed-in users through
    origin = request_origin(request, "web")
    if not user.has_role(*AUDIT_READER_ROLES):
        with transaction.atomic():
            access_log_record(
                actor=user,
                action=Action.LIST,
                object_type=OBJECT,
                result=Result.REFUSED,
                purpose=SUPERVISION_PURPOSE,
                origin=origin,
            )
        raise PermissionDenied
    person = request.GET.get("person", "").strip()
    person_id = person_number_parse(person)
    person_error = ""
    if person_id is not None:
        entries = access_log_for_persons(user=user, person_ids=[person_id])
        person = person_number(person_id)
    elif person:  # not a number: said at the field, and nothing shown as if it were filtered
        person_error = gettext(
            "“%(typed)s” is not a person number. Type a person number (P and seven digits) as the column "
            "“Persons concerned” and the dossiers show it; a number there leads to that person's entries."
        ) % {"typed": person}
        entries = access_log_list_for_user(user=user).none()
    else:
        entries = access_log_list_for_user(user=user)
    filters = {
        "actor_username": request.GET.get("actor", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "object_id": request.GET.get("object_id", "").strip(),
        "action": request.GET.get("action", "").strip(),
        "result": request.GET.get("result", "").strip(),
    }
    for field in ("action", "result"):
        if filters[field]:
            entries = entries.filter(**{field: filters[field]})
    # The object by the id the log stores or by the name the page shows (a registration's reference).
    entries = access_log_by_object(entries, filters["object_id"], filters["object_type"])
    entries = access_log_by_actor(entries, filters["actor_username"])  # by name or username
    page = Paginator(entries.prefetch_related("persons"), PAGE_SIZE).get_page(request.GET.get("page"))
    used = {k: mask_long_numbers(v) for k, v in {**filters, "person": person}.items() if v}
    with transaction.atomic():
        access_log_record(
            actor=user, action=Action.LIST, object_type=OBJECT, result=Result.SHOWN, origin=origin,
            purpose=SUPERVISION_PURPOSE,
            detail={"filters": used, "page": page.number, "count": len(page.object_list)},
        )  # fmt: skip
    page.object_list = access_log_named(page.object_list)  # people and organisations by name
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "person": person,
        "person_error": person_error,
        "actions": action_choices(),
        "object_types": OBJECT_TYPE_LABELS.items(),
        "results": Result.choices,
        "query": query.urlencode(),
    }
    return render(request, "audit/access_log.html", context, status=422 if person_error else 200)
