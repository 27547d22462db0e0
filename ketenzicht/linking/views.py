"""The review queue: doubtful pairs, most consequential first; accept or reject takes effect at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.ui.formats import decimal

from .charts import Step, waterfall_svg
from .labels import level_label
from .models import MentionLink, ReviewItem
from .selectors import may_review, review_item_get_for_user, review_items_for_user
from .services import review_decide

PURPOSE = gettext_noop("review of person links")  # the access log shows it translated
PAGE_SIZE = 50
FIELD_LABELS = {
    "bsn": gettext_lazy("BSN"),
    "surname": gettext_lazy("Surname"),
    "given_names": gettext_lazy("Given names"),
    "birth_date": gettext_lazy("Date of birth"),
    "address": gettext_lazy("Address"),
    "sex": gettext_lazy("Sex"),
}


def _persons_of(items: Iterable[ReviewItem]) -> list[int]:
    """The persons of both mentions of each item (for the access log)."""
    mentions = {m for item in items for m in (item.mention_id, item.candidate_id)}
    return list(MentionLink.objects.filter(mention_id__in=mentions).values_list("person_id", flat=True))


def _require_reviewer(request: HttpRequest) -> None:
    if not may_review(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    page = Paginator(review_items_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    with transaction.atomic():
        access_log_record(
            actor=request.user, action=Action.LIST, object_type="review_item", result=Result.SHOWN,
            purpose=PURPOSE, origin=request_origin(request, "web"), detail={"count": len(page.object_list)},
            persons=_persons_of(page.object_list),
        )  # fmt: skip
    return render(request, "linking/review_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    origin = request_origin(request, "web")
    try:
        item = review_item_get_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]
    except ReviewItem.DoesNotExist:
        with transaction.atomic():
            access_log_record(
                actor=request.user, action=Action.VIEW, object_type="review_item", object_id=pk,
                result=Result.REFUSED, purpose=PURPOSE, origin=origin,
            )  # fmt: skip
        raise Http404 from None
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {"same", "different"}:
            messages.error(request, _("Choose: same person or different persons."))
            return redirect("linking:review-detail", pk=pk)
        review_decide(item=item, same=decision == "same", actor=request.user)
        messages.success(
            request,
            _("Decided: same person, merged.") if decision == "same" else _("Decided: different persons."),
        )
        return redirect("linking:review-list")
    with transaction.atomic():
        access_log_record(
            actor=request.user, action=Action.VIEW, object_type="review_item", object_id=pk,
            result=Result.SHOWN, purpose=PURPOSE, origin=origin,
            persons=_persons_of([item]),
        )  # fmt: skip
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
            "level": level_label(c["level"]),
            "weight": c["weight"],
        }
        for c in item.comparisons
    ]
    context = {"item": item, "chart": chart, "rows": rows, "reason": _(item.reason)}
    return render(request, "linking/review_detail.html", context)
