"""The review queue: doubtful pairs, most consequential first; accept or reject takes effect at once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.ui.formats import decimal

from .charts import Step, waterfall_svg
from .labels import level_label
from .models import MentionLink, ReviewItem, ReviewItemEvent, ReviewStatus
from .reviews import review_item_open, review_list_logged
from .selectors import (
    may_review,
    review_decisions_for_user,
    review_item_get_for_user,
    review_items_for_user,
    review_items_joined,
    review_shared_relations,
)
from .services import (
    CONFLICT_BSNS,
    CONFLICT_DATES,
    ReviewRefused,
    priority_parts,
    review_conflict,
    review_decide,
    review_undo,
)

PAGE_SIZE = 50
FIELD_LABELS = {
    "bsn": gettext_lazy("BSN"),
    "surname": gettext_lazy("Surname"),
    "given_names": gettext_lazy("Given names"),
    "birth_date": gettext_lazy("Date of birth"),
    "address": gettext_lazy("Address"),
    "sex": gettext_lazy("Sex"),
    "phone": gettext_lazy("Phone"),
    "relation": gettext_lazy("Relation"),  # engine/context.py: the related persons both have in common
}


# The engine's two levels of every comparison, as codes: Dutch has a translation of them (labels.py); without
# one (English) they read as these words instead of "null" and "else".
RAW_LEVELS = {"null": gettext_lazy("missing on one side"), "else": gettext_lazy("differs")}


def _level(code: str) -> str:
    text = level_label(code)
    return str(RAW_LEVELS[code]) if text == code and code in RAW_LEVELS else text


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the login middleware let only signed-in users through
    return user


def _require_reviewer(request: HttpRequest) -> None:
    if not may_review(_user(request)):
        review_list_logged(user=_user(request), origin=request_origin(request, "web"), shown=[], refused=True)
        raise PermissionDenied


@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    user = _user(request)
    page = Paginator(review_items_for_user(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    review_list_logged(user=user, origin=request_origin(request, "web"), shown=list(page.object_list))
    context = {
        "page": page,
        "lower": decimal(settings.KETENZICHT_LINK_LOWER, 2),
        "upper": decimal(settings.KETENZICHT_LINK_UPPER, 2),
    }
    return render(request, "linking/review_list.html", context)


@require_GET
def review_decisions(request: HttpRequest) -> HttpResponse:
    """The decisions taken, the latest first: each can be opened and taken back."""
    _require_reviewer(request)
    user = _user(request)
    page = Paginator(review_decisions_for_user(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    review_list_logged(user=user, origin=request_origin(request, "web"), shown=shown)
    return render(
        request, "linking/review_decisions.html", {"page": page, "joined": review_items_joined(shown)}
    )


def _decided_message(item: ReviewItem) -> str:
    if item.status == ReviewStatus.SUPERSEDED and _answered_by(item) is None:
        return _(
            "Answered on %(date)s: both mentions became one person without a decision on this item (a later "
            "registration or a new linking of the register joined them)."
        ) % {"date": _at(item.decided_at)}
    if item.status == ReviewStatus.SUPERSEDED:
        return _("Answered on %(date)s by the decision on another item.") % {"date": _at(item.decided_at)}
    said = _("Decided on %(date)s by %(user)s: %(decision)s.") % {
        "date": _at(item.decided_at),
        "user": _who(item.decided_by),
        "decision": item.get_status_display(),
    }
    event = item.events.filter(kind=ReviewItemEvent.Kind.DECIDED, by_item=item).last()
    if event is not None and event.note:
        said += " " + _("Reason: %(note)s") % {"note": event.note}
    return said


def _taken_back_message(item: ReviewItem) -> str | None:
    """On an item open again: who took the last decision on it back, when, and why (their reason)."""
    event = (
        item.events.filter(kind=ReviewItemEvent.Kind.REOPENED, by_item=item).select_related("actor").last()
    )
    if event is None:
        return None
    said = _("An earlier decision on this item was taken back on %(date)s by %(user)s.") % {
        "date": _at(event.at),
        "user": _who(event.actor),
    }
    if event.note:
        said += " " + _("Reason: %(note)s") % {"note": event.note}
    return said


def _priority_parts(item: ReviewItem) -> list[tuple[str, int]]:
    """The parts of the item's priority, when computed now they still make up the priority it got (the
    register may have changed since: then the number alone)."""
    parts = priority_parts(item.mention, item.probability)
    if sum(points for _, points in parts) != item.priority:
        return []
    return [(_(label), points) for label, points in parts]


def _answered_by(item: ReviewItem) -> int | None:
    """The item whose decision answered this one (superseded), if any; None when a join answered it."""
    if item.status != ReviewStatus.SUPERSEDED:
        return None
    event = item.events.order_by("-at", "-pk").first()
    if event is None or event.kind != ReviewItemEvent.Kind.SUPERSEDED:
        return None
    return event.by_item_id


def _at(moment: dt.datetime | None) -> str:
    return date_format(localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"


def _who(user: User | None) -> str:
    """A reviewer as colleagues know them: the name, else the login name."""
    return user.display_name if user is not None else _("the system")


NOTE_MAX = 500


def _note(request: HttpRequest) -> str | None:
    """The reviewer's reason as typed (may be empty); None, with the message said, when it is too long."""
    note = request.POST.get("note", "").strip()
    if len(note) > NOTE_MAX:
        messages.error(
            request,
            _("Reason: at most %(max)d characters (you typed %(n)d); nothing was decided.")
            % {"max": NOTE_MAX, "n": len(note)},
        )
        return None
    return note


def _decide(request: HttpRequest, item: ReviewItem, user: User) -> HttpResponse:
    if item.status != ReviewStatus.OPEN:  # decided meanwhile (another tab, a colleague)
        messages.warning(request, _("This item was decided already.") + " " + _decided_message(item))
        return redirect("linking:review-detail", pk=item.pk)
    decision = request.POST.get("decision")
    if decision not in {"same", "different"}:
        messages.error(request, _("Choose: same person or different persons."))
        return redirect("linking:review-detail", pk=item.pk)
    note = _note(request)
    if note is None:
        return redirect("linking:review-detail", pk=item.pk)
    try:
        review_decide(
            item=item,
            same=decision == "same",
            actor=user,
            dates_confirmed=request.POST.get("dates_confirmed") == "yes",
            note=note,
        )
    except ReviewRefused as refused:
        if refused.reason == CONFLICT_DATES:
            messages.error(
                request,
                _("The dates of birth differ: confirm that you saw this, or choose different persons."),
            )
        else:
            messages.error(request, _("Not merged: %(reason)s.") % {"reason": _(refused.reason)})
        return redirect("linking:review-detail", pk=item.pk)
    names = {"mention": item.mention.display_name, "candidate": item.candidate.display_name}
    if decision == "same":
        person = MentionLink.objects.get(mention_id=item.mention_id).person
        text = _("Decided: %(mention)s and %(candidate)s are the same person, %(person)s.") % {
            **names,
            "person": person,
        }
    else:
        text = _("Decided: %(mention)s and %(candidate)s are different persons.") % names
    messages.success(request, text)
    return redirect("linking:review-list")


def _undo(request: HttpRequest, item: ReviewItem, user: User) -> HttpResponse:
    if item.status == ReviewStatus.OPEN:  # taken back meanwhile (another tab, a colleague)
        event = item.events.filter(kind=ReviewItemEvent.Kind.REOPENED).select_related("actor").last()
        if event is not None:
            text = _("The decision was taken back already: on %(date)s by %(user)s.")
            messages.warning(request, text % {"date": _at(event.at), "user": _who(event.actor)})
            return redirect("linking:review-detail", pk=item.pk)
    note = _note(request)
    if note is None:
        return redirect("linking:review-detail", pk=item.pk)
    try:
        reopened = review_undo(item=item, actor=user, note=note)
    except ReviewRefused as refused:
        messages.error(request, _("Not taken back: %(reason)s.") % {"reason": _(refused.reason)})
        return redirect("linking:review-detail", pk=item.pk)
    messages.success(
        request,
        ngettext(
            "Decision taken back: the item is open again.",
            "Decision taken back: %(count)d items are open again.",
            len(reopened),
        )
        % {"count": len(reopened)},
    )
    return redirect("linking:review-detail", pk=item.pk)


@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # No role check first: a role that reviews nothing gets the one 404 (NotVisible), logged once.
    user, origin = _user(request), request_origin(request, "web")
    if request.method == "POST":
        item = review_item_get_for_user(user=user, pk=pk, origin=origin, decided_too=True)
        if request.POST.get("action") == "undo":
            return _undo(request, item, user)
        return _decide(request, item, user)
    item = review_item_open(user=user, pk=pk, origin=origin)
    steps = [Step(str(FIELD_LABELS.get(c["name"], c["name"])), float(c["weight"])) for c in item.comparisons]
    chart = waterfall_svg(
        item.prior_weight,
        steps,
        title=_("Match weight per field: %(total)s in total") % {"total": decimal(item.match_weight, 2)},
        prior_label=_("Prior"),
        total_label=_("Total"),
    )
    rows = [
        {
            "field": FIELD_LABELS.get(c["name"], c["name"]),
            "level": _level(c["level"]),
            "weight": decimal(float(c["weight"]), 2, signed=True),  # as the chart writes it
        }
        for c in item.comparisons
    ]
    # A registration of the pair is linked only when the reviewer may open it (the register's own rules;
    # a functional administrator reviews the pair from the mentions alone).
    pair = [item.mention.registration_id, item.candidate.registration_id]
    may_open = set(registration_list_for_user(user=user).filter(pk__in=pair).values_list("pk", flat=True))
    is_open = item.status == ReviewStatus.OPEN
    context = {
        "item": item,
        "chart": chart,
        "rows": rows,
        "reason": _(item.reason),
        "prior": decimal(item.prior_weight, 2, signed=True),
        "total": decimal(item.match_weight, 2, signed=True),
        "may_open": may_open,
        "is_open": is_open,
        "conflict": review_conflict(item) if is_open else None,
        "conflict_bsns": CONFLICT_BSNS,
        "conflict_dates": CONFLICT_DATES,
        "decided": None if is_open else _decided_message(item),
        "taken_back": _taken_back_message(item) if is_open else None,
        "answered_by": _answered_by(item),
        "may_undo": item.status in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED),
        # The third person both sides are related to, named from the mention's own registration: only to
        # a reviewer who may open that registration.
        "shared": review_shared_relations(item) if item.mention.registration_id in may_open else [],
        "priority_parts": _priority_parts(item),
    }
    return render(request, "linking/review_detail.html", context)
