"""The insight desk: the figures of one area and period as charts with their tables, the areas compared,
and the same published figures as CSV. Counts only; every view and export is logged."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from ketenzicht.audit.access import listed
from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import User
from ketenzicht.ui.charts import Part, bars_svg

from .labels import BY_CHOICES, COMPARE_KINDS
from .selectors import Choice, Figures, areas, choice_for, figures_for, may_see_insights, years

OBJECT_TYPE = "statistics"
FIELD_NAMES = {
    "gebied": gettext_noop("area"),
    "jaar": gettext_noop("year"),
    "per": gettext_noop("series"),
    "vergelijk": gettext_noop("comparison"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _chosen(request: HttpRequest, user: User) -> tuple[Choice, list[int], list[str]]:
    known = years()
    choice, errors = choice_for(user, request.GET, known_years=known)
    return choice, known, errors


def _refused(request: HttpRequest, user: User) -> PermissionDenied:
    listed(actor=user, object_type=OBJECT_TYPE, origin=request_origin(request, "web"), refused=True)
    return PermissionDenied()


@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_see_insights(user):
        raise _refused(request, user)
    choice, known, errors = _chosen(request, user)
    for name in errors:
        messages.warning(
            request,
            _("%(field)s: what you asked for is not known; the default is shown.")
            % {"field": capfirst(_(FIELD_NAMES[name]))},
        )
    figures = figures_for(choice, known_years=known)
    found = areas()
    charts = [_chart(index, view, figures) for index, view in enumerate(figures.sections)]
    listed(
        actor=user, object_type=OBJECT_TYPE, origin=request_origin(request, "web"), detail=choice.as_query()
    )
    query = "&".join(f"{k}={v}" for k, v in choice.as_query().items())
    return render(
        request,
        "insights/figures.html",
        {
            "figures": figures,
            "sections": list(zip(figures.sections, charts, strict=True)),
            "choice": choice,
            "area_value": f"{choice.area_kind}:{choice.area_code}",
            "area_groups": [(kind, label, found[kind]) for kind, label in COMPARE_KINDS],
            "compare_kinds": COMPARE_KINDS,
            "by_choices": BY_CHOICES,
            "years": known,
            "export_query": query,
        },
    )


def _chart(index: int, view: Any, figures: Figures) -> Any:
    return bars_svg(
        [(row.label, {code: shown.value for code, shown in row.values.items()}) for row in view.rows],
        parts=[Part(code, str(label)) for code, label in view.parts],
        title=f"{view.section.title}: {figures.area_name}",
        description=str(view.section.explanation)
        + " "
        + _("Counts under 5 are not drawn; the table beside the chart gives every figure."),
        chart_id=f"insights-chart-{view.section.key}",
        stacked=view.section.stacked,
        ticks=[row.tick for row in view.rows],
    )


@require_GET
def figures_export(request: HttpRequest) -> HttpResponse:
    """The published figures of the page's choice as CSV (semicolons, for Dutch spreadsheets): every value
    is what the page shows, small counts as "<5"."""
    user = _user(request)
    if not may_see_insights(user):
        raise _refused(request, user)
    choice, known, _errors = _chosen(request, user)
    figures = figures_for(choice, known_years=known)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"ketenzicht-cijfers-{choice.area_code}-{choice.year or 'alle-jaren'}-{choice.by}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a byte-order mark: spreadsheets then read the accents right
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("subject"), _("part"), _("area"), _("period"), _("value")])
    for view in figures.sections:
        for row in view.rows:
            for code, label in view.parts:
                writer.writerow(
                    [view.section.title, label, figures.area_name, row.label, row.values[code].text]
                )
            if row.total is not None:
                writer.writerow(
                    [view.section.title, _("total"), figures.area_name, row.label, row.total.text]
                )
            if row.median is not None and view.section.median is not None:
                writer.writerow(
                    [view.section.title, view.section.median[1], figures.area_name, row.label, row.median]
                )
    for line in figures.compare_rows:
        for head, value in zip(figures.compare_head, line.cells, strict=True):
            writer.writerow([_("Areas compared"), head, line.name, choice.year or _("every year"), value])
    access_log_record(
        actor=user,
        action=Action.EXPORT,
        object_type=OBJECT_TYPE,
        result=Result.SHOWN,
        origin=request_origin(request, "web"),
        detail=choice.as_query(),
    )
    return response
