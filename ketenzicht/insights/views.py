"""The insight desk: the figures of one area and period as charts with their tables, the areas compared,
and the same published figures as CSV. Counts only; every view and export is logged."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.access import listed
from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import User
from ketenzicht.ui.charts import Part, bars_svg

from .labels import BY_CHOICES, COMPARE_KINDS
from .selectors import (
    Choice,
    Figures,
    SectionView,
    choice_for,
    count_state,
    figures_for,
    is_share_column,
    may_recount,
    may_see_insights,
    years,
)
from .services import figures_refresh, register_years

# The access log's purpose, shown translated.
FIGURES_PURPOSE = gettext_noop("chain figures without names")
OBJECT_TYPE = "statistics"
FIELD_NAMES = {
    "gebied": gettext_noop("area"),
    "jaar": gettext_noop("year"),
    "per": gettext_noop("series"),
    "vergelijk": gettext_noop("comparison"),
}
FILE_WORDS = {"week": "week", "month": "maand", "year": "jaar"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _chosen(request: HttpRequest, user: User) -> tuple[Choice, list[int], list[str]]:
    known = years()
    choice, errors = choice_for(user, request.GET, known_years=known)
    return choice, known, errors


def _refused(request: HttpRequest, user: User) -> PermissionDenied:
    listed(
        actor=user,
        object_type=OBJECT_TYPE,
        purpose=FIGURES_PURPOSE,
        origin=request_origin(request, "web"),
        refused=True,
    )
    return PermissionDenied()


@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_see_insights(user):
        raise _refused(request, user)
    choice, known, errors = _chosen(request, user)
    for name in errors:
        if name == "week_every_year":
            messages.info(request, _("A series per week is shown for one year at a time; here per month."))
            continue
        messages.warning(
            request,
            _("%(field)s: what you asked for is not known; the default is shown.")
            % {"field": capfirst(_(FIELD_NAMES[name]))},
        )
    figures = figures_for(choice, known_years=known)
    charts = [None if view.empty else _chart(view, figures) for view in figures.sections]
    listed(
        actor=user,
        object_type=OBJECT_TYPE,
        purpose=FIGURES_PURPOSE,
        origin=request_origin(request, "web"),
        detail=choice.as_query(),
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
            "area_groups": [(kind, label, figures.areas[kind]) for kind, label in COMPARE_KINDS],
            "compare_kinds": COMPARE_KINDS,
            "by_choices": BY_CHOICES,
            "by_label": dict(BY_CHOICES)[choice.by],
            "years": known,
            "export_query": query,
            # How often the scheduler counts here (unset where nothing does: the page then says so).
            "refresh_minutes": settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES,
        },
    )


def _chart(view: SectionView, figures: Figures) -> Any:
    return bars_svg(
        [(row.label, {code: shown.value for code, shown in row.values.items()}) for row in view.rows],
        parts=[Part(code, capfirst(str(label))) for code, label in view.parts],
        title=f"{view.section.title}: {figures.area_name}",
        description=str(view.section.explanation) + " " + _("The table below gives every figure."),
        chart_id=f"insights-chart-{view.section.key}",
        stacked=view.section.stacked,
        ticks=[row.tick for row in view.rows],
        suppressed_label=_("fewer than 5"),
    )


def _decimal(value: float) -> str:
    """A median as Dutch spreadsheets read it: a decimal comma."""
    return f"{value:g}".replace(".", ",")


def _csv_rows(figures: Figures, choice: Choice) -> Iterator[list[str]]:
    """The page's published figures, one per line: a count in `waarde` (empty when suppressed, with the
    reason in `toelichting`), its unit beside it, so a spreadsheet can compute with the column."""

    def line(subject: Any, part: Any, period: Any, unit: str, text: str) -> list[str]:
        if text in ("<5", "—"):
            note = _("fewer than 5 (suppressed)") if text == "<5" else _("cannot be shown")
            return [str(subject), str(part), figures.area_name, str(period), unit, "", note]
        return [str(subject), str(part), figures.area_name, str(period), unit, text.rstrip("%"), ""]

    count, percent = _("count"), _("percent")
    whole = str(choice.year) if choice.year else _("every year")
    for view in figures.sections:
        title = view.section.title
        median = view.section.median
        for row in view.rows:
            for (_code, label), shown in zip(view.parts, row.cells, strict=True):
                yield line(title, label, row.label, count, shown.text)
            if row.total is not None:
                yield line(title, _("total"), row.label, count, row.total.text)
            if median is not None and row.median is not None:
                yield line(title, median[1], row.label, _("median"), _decimal(row.median))
        for (_code, label), text in zip(view.parts, view.total_cells, strict=True):
            yield line(title, label, whole, count, text)
        if view.total is not None:
            yield line(title, _("total"), whole, count, view.total.text)
        if median is not None and view.median is not None:
            yield line(title, median[1], whole, _("median"), _decimal(view.median))
        for table, head, lines in view.extra:
            for cells in lines:
                for name, text in zip(head[1:], cells[1:], strict=True):
                    unit = percent if is_share_column(name) else count
                    yield line(f"{title}: {table}", f"{cells[0]}: {name}", whole, unit, text)
    for compared in figures.compare_rows:
        for heading, text in zip(figures.compare_head, compared.cells, strict=True):
            unit = percent if is_share_column(str(heading)) else count
            found = line(_("Areas compared"), heading, whole, unit, text)
            found[2] = compared.name
            yield found


@require_GET
def figures_export(request: HttpRequest) -> HttpResponse:
    """The published figures of the page's choice as CSV (semicolons, for Dutch spreadsheets): every value
    is what the page shows; a suppressed count is an empty value with "fewer than 5" beside it."""
    user = _user(request)
    if not may_see_insights(user):
        raise _refused(request, user)
    choice, known, _errors = _chosen(request, user)
    figures = figures_for(choice, known_years=known)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = (
        f"ketenzicht-cijfers-{choice.area_code}-{choice.year or 'alle-jaren'}-per-{FILE_WORDS[choice.by]}.csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a byte-order mark: spreadsheets then read the accents right
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [_("subject"), _("part"), _("area"), _("period"), _("unit"), _("value"), _("explanation")]
    )
    writer.writerows(_csv_rows(figures, choice))
    access_log_record(
        actor=user,
        action=Action.EXPORT,
        object_type=OBJECT_TYPE,
        result=Result.SHOWN,
        origin=request_origin(request, "web"),
        detail=choice.as_query(),
    )
    return response


RECOUNT_CHOICES = ("stale", "all")  # the days marked since the last count (the default run), every year


@require_http_methods(["GET", "POST"])
def recount_page(request: HttpRequest) -> HttpResponse:
    """The functional administrator's page: when the figures were last counted and how long that took,
    the days marked since, and a button that counts again now: `figures_refresh`, as `manage.py
    insights_refresh` (the days marked) or `--all` (every year). Each count is logged; anyone else is
    refused (logged once, 403), as on the figures page."""
    user = _user(request)
    if not may_recount(user):
        access_log_record(
            actor=user,
            action=Action.REBUILD if request.method == "POST" else Action.VIEW,
            object_type=OBJECT_TYPE,
            result=Result.REFUSED,
            origin=request_origin(request, "web"),
        )
        raise PermissionDenied()
    if request.method == "POST":
        which = request.POST.get("welke", "")
        if which not in RECOUNT_CHOICES:
            messages.error(request, _("What to count: choose the days marked since, or every year."))
            return HttpResponseRedirect(reverse("insights:recount"))
        result = figures_refresh(years=register_years() if which == "all" else None)
        access_log_record(
            actor=user,
            action=Action.REBUILD,
            object_type=OBJECT_TYPE,
            result=Result.STORED,
            origin=request_origin(request, "web"),
            detail={"counted": which, "years": list(result.years), "seconds": round(result.seconds, 1)},
        )
        if result.years:
            messages.success(
                request,
                _("Counted again: %(years)s, in %(seconds)s seconds. The figures page shows them now.")
                % {"years": ", ".join(map(str, result.years)), "seconds": _decimal(round(result.seconds, 1))},
            )
        else:
            messages.info(request, _("Nothing was marked since the last count: the figures are up to date."))
        return HttpResponseRedirect(reverse("insights:recount"))
    state = count_state()  # when and how long, and days marked: no figures, nothing to log
    return render(
        request,
        "insights/recount.html",
        {
            "state": state,
            "seconds": _decimal(round(state.seconds, 1)) if state.seconds is not None else None,
            "refresh_minutes": settings.KETENZICHT_INSIGHTS_REFRESH_MINUTES,
        },
    )
