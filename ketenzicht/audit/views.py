"""The access log page, for privacy officers and functional administrators. Read-only by design; reading it
is logged too."""

from __future__ import annotations

import datetime as dt

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
from .naming import persons_named
from .selectors import (
    AUDIT_READER_ROLES,
    access_log_by_actor,
    access_log_by_object,
    access_log_for_persons,
    access_log_last_id,
    access_log_list_for_user,
    access_log_named,
    access_log_person_counts,
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
    typed = []
    for value in request.GET.getlist("person"):  # chosen candidates, or numbers typed with commas
        parts = [p.strip() for p in value.split(",") if p.strip()]
        numbers = all(person_number_parse(p) is not None for p in parts)
        typed += parts if numbers else [value.strip()] if value.strip() else []
    person_ids = [person_number_parse(p) for p in typed]
    person = ", ".join(typed)
    person_error = ""
    candidates: list[dict[str, object]] = []
    entries = access_log_list_for_user(user=user)
    if typed and all(pid is not None for pid in person_ids):
        chosen = [pid for pid in person_ids if pid is not None]
        entries = access_log_for_persons(user=user, person_ids=chosen)
        person = ", ".join(person_number(pid) for pid in chosen)
    elif typed:  # a name (and a date of birth): the persons it names, for the officer to choose
        found: list[tuple[int, str, int | None]] = []
        before = access_log_last_id()  # the search's own entry concerns each person found: not counted
        try:
            found = persons_named(user, person, origin)  # the police's person search, logged there
        except PermissionError:
            person_error = gettext(
                "Only the privacy officer finds persons by name here. "
                "Type a person number (P and seven digits)."
            )
        except ValueError as error:
            person_error = gettext(
                "“%(typed)s” is not a person number, and no name to search by (%(reason)s). Type a name, "
                "with a date of birth if you know it, or a person number (P and seven digits)."
            ) % {"typed": person, "reason": gettext(str(error))}
        if not person_error and not found:
            person_error = gettext(
                "No person named “%(typed)s” was found. Type a name as the registrations write it, with a "
                "date of birth if you know it, or a person number (P and seven digits)."
            ) % {"typed": person}
        rows = access_log_person_counts([pid for pid, _name, _year in found], upto=before)
        candidates = [
            {"number": person_number(pid), "name": name, "year": year, "rows": rows.get(pid, 0)}
            for pid, name, year in found
        ]
        if len(found) == 1:  # one person: their entries at once
            entries = access_log_for_persons(user=user, person_ids=[found[0][0]])
            person = person_number(found[0][0])
        else:  # none or several: nothing shown as if it were filtered, until a person is chosen
            entries = entries.none()
    since, until, period_errors = _period(request.GET.get("since", ""), request.GET.get("until", ""))
    if since is not None:
        entries = entries.filter(at__date__gte=since)
    if until is not None:
        entries = entries.filter(at__date__lte=until)
    if period_errors:
        entries = entries.none()
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
    period = {"since": request.GET.get("since", "").strip(), "until": request.GET.get("until", "").strip()}
    used = {k: mask_long_numbers(v) for k, v in {**filters, **period, "person": person}.items() if v}
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
        "candidates": candidates if len(candidates) > 1 else [],
        "period": period,
        "period_errors": period_errors,
        "actions": action_choices(),
        "object_types": OBJECT_TYPE_LABELS.items(),
        "results": Result.choices,
        "query": query.urlencode(),
    }
    return render(
        request, "audit/access_log.html", context, status=422 if person_error or period_errors else 200
    )


def _period(since_text: str, until_text: str) -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    """The period typed (dates, "from" and "up to and including"), and an error per field at fault."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for field, text in (("since", since_text.strip()), ("until", until_text.strip())):
        dates[field] = None
        if text:
            try:
                dates[field] = _date(text)
            except ValueError:
                label = gettext("From") if field == "since" else gettext("Up to and including")
                errors[field] = gettext("“%(field)s”: “%(typed)s” is not a date.") % {
                    "field": label,
                    "typed": text,
                }
    since, until = dates["since"], dates["until"]
    if since is not None and until is not None and until < since:
        errors["until"] = gettext("“Up to and including” lies before “From”: the period is empty.")
    return since, until, errors


def _date(text: str) -> dt.date:
    """A date as a date field sends it (2026-11-07) or as people type it (7-11-2026)."""
    day, sep, rest = text.partition("-")
    if sep and len(day) <= 2:
        month, _sep, year = rest.partition("-")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(text)
