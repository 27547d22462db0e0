"""Pages of the measures registry: the list of measures the user may see, a measure with its history and
breaches (extend, end early), and registering a restraining order or an Aware alarm from a police case.
Thin: the selectors decide what is seen, the services what may change; every page naming persons is
logged."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from ketenzicht.audit.access import listed, read
from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import people_names
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import person_list_names_for_user
from ketenzicht.ui.forms import error_items
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
from ketenzicht.workprocesses.selectors import case_get_for_user

from .forms import EndForm, ExtendForm, ImposeForm, add_service_errors
from .models import ImposedBy, Measure, MeasureEventKind, MeasureKind
from .purpose import MEASURE_PARAM, measure_purpose_detail, measure_purpose_log
from .selectors import (
    breach_rows_for_user,
    case_parties,
    may_change,
    may_impose_for,
    may_see_measures,
    measure_get_for_user,
    measure_links_for_user,
    measure_list_for_user,
    measure_rows,
)
from .services import MeasureInvalid, measure_case_start, measure_end, measure_extend, measure_impose

# The access log's purpose, shown translated.
LIST_PURPOSE = gettext_noop("overview of the protective measures")
LIST_LIMIT = 200


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET"])
def measure_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_see_measures(user):
        raise PermissionDenied
    show_all = request.GET.get("alle") == "1"
    today = timezone.localdate()
    measures = measure_list_for_user(user=user).order_by("-ends_on", "-id")
    if not show_all:
        measures = measures.filter(ends_on__gte=today)
    rows = measure_rows(measures[:LIST_LIMIT], user=user, today=today)
    listed(
        actor=user,
        object_type="measure",
        purpose=LIST_PURPOSE,
        origin=request_origin(request, "web"),
        detail={"shown": len(rows), "all": show_all},
        persons=sorted({p for row in rows for p in row.person_ids}),
    )
    return render(request, "measures/list.html", {"rows": rows, "show_all": show_all, "limit": LIST_LIMIT})


def _detail_context(user: User, measure: Measure) -> dict[str, Any]:
    row = measure_rows([measure], user=user, today=timezone.localdate())[0]
    breaches = breach_rows_for_user(user, measure)
    # A breach the page leaves out (its registration neither seen nor counted by the user) has no line.
    history = [
        event
        for event in measure.events.all()
        if event.kind != MeasureEventKind.BREACH or event.detail.get("breach") in breaches.listed
    ]
    names = people_names({event.actor_name for event in history})
    events = [
        {
            "at": event.at,
            "kind": MeasureEventKind(event.kind).label,
            "actor": names.get(event.actor_name, event.actor_name),
            "reason": event.reason,
            "ends_on": event.detail.get("ends_on"),
            # A breach's registration is named only to whoever may open it.
            "registration": reference
            if (reference := event.detail.get("registration", "")) in breaches.openable
            else "",
        }
        for event in history
    ]
    changeable = may_change(user, measure) and measure.ends_on >= timezone.localdate()
    return {
        "row": row,
        "measure": measure,
        "imposed_by": ImposedBy(measure.imposed_by).label,
        "events": events,
        "breaches": breaches.rows,
        "links": measure_links_for_user(user, measure),
        "purpose_param": MEASURE_PARAM,
        "extend_form": ExtendForm(initial={"until": row.extendable_until})
        if changeable and row.extendable_until
        else None,
        "end_form": EndForm() if changeable else None,
    }


def _log_read(request: HttpRequest, measure: Measure, row_persons: set[int]) -> None:
    read(
        actor=_user(request),
        object_type="measure",
        object_id=measure.pk,
        origin=request_origin(request, "web"),
        purpose=measure_purpose_log(measure.reference),  # the measure's page is the measure's work
        detail={**measure_purpose_detail(measure), "reference": measure.reference},
        persons=sorted(row_persons),
    )


@require_http_methods(["GET"])
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    measure = measure_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    context = _detail_context(user, measure)
    _log_read(request, measure, context["row"].person_ids)
    return render(request, "measures/detail.html", context)


def _changed_or_again(request: HttpRequest, measure: Measure, form_name: str, form: Any) -> HttpResponse:
    context = _detail_context(_user(request), measure)
    context[form_name] = form
    context["error_summary"] = error_items(form)
    _log_read(request, measure, context["row"].person_ids)
    return render(request, "measures/detail.html", context, status=422)


@require_POST
def measure_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    measure = measure_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    if not may_change(user, measure):
        raise PermissionDenied
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            measure = measure_extend(
                measure, until=form.cleaned_data["until"], actor=user, reason=form.cleaned_data["reason"]
            )
        except MeasureInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The measure was extended."))
            return redirect("measures:detail", pk=measure.pk)
    return _changed_or_again(request, measure, "extend_form", form)


@require_POST
def measure_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    measure = measure_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    if not may_change(user, measure):
        raise PermissionDenied
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            measure = measure_end(
                measure, actor=user, reason=form.cleaned_data["reason"], on=form.cleaned_data["on"]
            )
        except MeasureInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The measure was ended."))
            return redirect("measures:detail", pk=measure.pk)
    return _changed_or_again(request, measure, "end_form", form)


@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Register a restraining order (imposed by the mayor) or an Aware alarm (by the committee) for the
    suspect and victim of a police case."""
    user = _user(request)
    case = case_get_for_user(user=user, pk=case_pk, origin=request_origin(request, "web"))
    if not may_impose_for(user, case):
        raise PermissionDenied
    suspects, victims = case_parties(case)
    names = person_list_names_for_user(user=user, person_ids={*suspects, *victims}, purposed=True)
    read(
        actor=user,
        object_type="case",
        object_id=case.pk,
        origin=request_origin(request, "web"),
        purpose=case_purpose_log(case.reference),  # a measure imposed in the case: the case's work
        detail={**case_purpose_detail(case), "measure": "new"},
        persons=sorted({*suspects, *victims}),
    )
    kind = request.GET.get("soort", MeasureKind.RESTRAINING_ORDER)
    form = ImposeForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": kind if kind in MeasureKind.values else MeasureKind.RESTRAINING_ORDER},
        names=names,
        suspects=suspects,
        victims=victims,
        earliest=measure_case_start(case),
    )
    status = 200
    has_parties = bool(suspects and victims)  # without them there is nobody to bind or protect
    if request.method == "POST":
        status = 422
        if has_parties and form.is_valid():
            data = form.cleaned_data
            persons = Person.objects.in_bulk([data["suspect"], *data["protected"]])
            try:
                measure = measure_impose(
                    kind=data["kind"],
                    suspect=persons[data["suspect"]],
                    protected=[persons[p] for p in data["protected"]],
                    conditions=data["conditions"],
                    conditions_text=data["conditions_text"],
                    areas=form.areas(),
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    imposed_by=ImposedBy.MAYOR
                    if data["kind"] == MeasureKind.RESTRAINING_ORDER
                    else ImposedBy.COMMITTEE,
                    organisation=case.organisation,
                    actor=user,
                    police_case=case,
                )
            except MeasureInvalid as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The measure was registered."))
                return redirect("measures:detail", pk=measure.pk)
    return render(
        request,
        "measures/new.html",
        {
            "form": form,
            "case": case,
            "error_summary": error_items(form) if has_parties else [],
            "has_parties": has_parties,
        },
        status=status,
    )
