"""The review queue: doubtful pairs, most consequential first; accept or reject takes effect at once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.ui.formats import decimal

from .charts import Step, waterfall_svg
from .labels import level_label
from .reviews import review_item_open, review_list_logged
from .selectors import may_review, review_item_get_for_user, review_items_for_user
from .services import review_decide

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
    return render(request, "linking/review_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # No role check first: a role that reviews nothing gets the one 404 (NotVisible), logged once.
    user, origin = _user(request), request_origin(request, "web")
    if request.method == "POST":
        item = review_item_get_for_user(user=user, pk=pk, origin=origin)
        decision = request.POST.get("decision")
        if decision not in {"same", "different"}:
            messages.error(request, _("Choose: same person or different persons."))
            return redirect("linking:review-detail", pk=pk)
        review_decide(item=item, same=decision == "same", actor=user)
        messages.success(
            request,
            _("Decided: same person, merged.") if decision == "same" else _("Decided: different persons."),
        )
        return redirect("linking:review-list")
    item = review_item_open(user=user, pk=pk, origin=origin)
    steps = [Step(str(FIELD_LABELS.get(c["name"], c["name"])), float(c["weight"])) for c in item.comparisons]
    chart = waterfall_svg(
        item.prior_weight,
        steps,
        title=_("Match weight per field: %(total)s in total") % {"total": decimal(item.match_weight, 1)},
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
    context = {
        "item": item,
        "chart": chart,
        "rows": rows,
        "reason": _(item.reason),
        "prior": decimal(item.prior_weight, 2, signed=True),
        "total": decimal(item.match_weight, 2, signed=True),
        "may_open": may_open,
    }
    return render(request, "linking/review_detail.html", context)
