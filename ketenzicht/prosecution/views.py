"""Pages of the ZSM desks: the district office's files (urgent first), triage, the complaint, a further
request to a partner, the posts and absences, the national portfolio holder's figures; and the partners'
requests, each answered on its own page. A file itself is the kernel's case page with this desk's panel
(panel.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.access import listed, read
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.measures.forms import add_service_errors
from ketenzicht.measures.models import Breach
from ketenzicht.measures.services import MeasureInvalid, measure_case_start
from ketenzicht.organisations.models import User
from ketenzicht.persons.selectors import person_label, person_list_names_for_user
from ketenzicht.registrations.models import Offence
from ketenzicht.ui import formats
from ketenzicht.ui.disclosure import median_shown, published
from ketenzicht.ui.forms import error_items
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import DeadlineStatus
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import CONCURRENT, data_text, refusal_text, state_label
from ketenzicht.workprocesses.models import Case, ProcessVersion
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
from ketenzicht.workprocesses.selectors import concurrent_text, deadline_clock
from ketenzicht.workprocesses.services import ConcurrentEdit
from ketenzicht.workprocesses.views import case_page_refused

from .forms import (
    ANSWER_FORMS,
    AbsenceForm,
    ComplaintForm,
    DeskFilterForm,
    OrderForm,
    RequestForm,
    TriageForm,
)
from .kept import input_keep
from .labels import ROUTE_LABELS, answer_rows
from .models import PartnerRequest, Side, ZsmFile
from .selectors import (
    PAGE_SIZE,
    desk_files,
    file_get_for_user,
    may_answer_requests,
    may_see_portfolio,
    may_use_zsm_desk,
    office_posts,
    portfolio,
    request_get_for_user,
    requests_for_user,
)
from .services import (
    QUESTION_ANSWER,
    AbsenceOutcome,
    FileRefused,
    absence_record,
    behaviour_order_impose,
    complaint_record,
    request_add,
    request_answer,
    triage_choose,
)

# The purposes of the desk's lists in the access log (shown translated).
DESK_PURPOSE = gettext_noop("work at the ZSM table of the own district office")
PORTFOLIO_PURPOSE = gettext_noop("national figures of the ZSM tables")
REQUESTS_PURPOSE = gettext_noop("answering the ZSM table's requests")
ORDER_STATES = ("at_zsm", "regular", "zvh")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refusal(request: HttpRequest, refusal: Exception, case: Case | None = None) -> None:
    if isinstance(refusal, Refused):
        messages.error(request, str(refusal_text(refusal.code, params=refusal.params)))
    elif isinstance(refusal, ConcurrentEdit):
        text = concurrent_text(case, _user(request)) if case is not None else str(CONCURRENT)
        messages.error(request, text)
    elif isinstance(refusal, FileRefused):
        messages.error(request, refusal.text())


# --- the district office's desk -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def desk(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_use_zsm_desk(user):
        listed(actor=user, object_type="zsm_file", purpose=DESK_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    filters = DeskFilterForm(request.GET or None)
    found = desk_files(user=user, chosen=filters.chosen())
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    files: list[ZsmFile] = list(page.object_list)
    answered: dict[int, list[tuple[bool, bool]]] = {}
    for file_id, answered_at, withdrawn_at, due_at in PartnerRequest.objects.filter(
        file_id__in=[f.pk for f in files]
    ).values_list("file_id", "answered_at", "withdrawn_at", "due_at"):
        answered.setdefault(file_id, []).append(
            (answered_at is not None, (answered_at or withdrawn_at or timezone.now()) > due_at)
        )
    breached = dict(
        Breach.objects.filter(measure__source_case_id__in=[f.pk for f in files])
        .values("measure__source_case_id")
        .annotate(n=Count("id"))
        .values_list("measure__source_case_id", "n")
    )
    listed(
        actor=user,
        object_type="zsm_file",
        purpose=DESK_PURPOSE,
        origin=origin,
        detail={"count": len(files), "page": page.number},
    )
    clock = deadline_clock()
    names = person_list_names_for_user(
        user=user, person_ids={p for f in files for p in (f.suspect_id, f.victim_id)}
    )
    rows = []
    for file in files:
        case = file.case
        definition = definition_of(case.process_version)
        requests = answered.get(file.pk, [])
        rows.append(
            {
                "pk": case.pk,
                "reference": case.reference,
                "received": f"{timezone.localtime(file.received_at):%d-%m-%Y %H:%M}",
                "pair": f"{person_label(file.suspect_id, names)} → {person_label(file.victim_id, names)}",
                "police": file.police_case.organisation.name,
                "state": state_label(definition, case.state),
                "route": ROUTE_LABELS.get(file.route or file.triage.get("route", ""), ""),
                "breaches": breached.get(file.pk, 0),
                "suggested": not file.route,
                "answers": sum(done for done, _late in requests),
                "requests": len(requests),
                "late": any(late and not done for done, late in requests),
                "vt": case.data.get("vt_information", ""),
                "decision": data_text(definition.fields["decision"].choices.get(file.decision, ""))
                if file.decision
                else "",
                "deadline": formats.deadline(case.deadline_at) if case.deadline_at else "",
                "overdue": clock.status(case.deadline_at) is DeadlineStatus.OVERDUE,
                "near": clock.status(case.deadline_at) is DeadlineStatus.NEAR,
                "owner": case.owner.display_name if case.owner else "",
                "acute": file.urgency_rank == 0 or file.triage.get("danger") == "acute",
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "prosecution/desk.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "show": filters.chosen().show,
            "query": query.urlencode(),
            "may_see_portfolio": may_see_portfolio(user),
        },
    )


def _file(request: HttpRequest, pk: int) -> tuple[User, str, ZsmFile]:
    user, origin = _user(request), request_origin(request, "web")
    return user, origin, file_get_for_user(user=user, pk=pk, origin=origin)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


FileAction = Callable[[ZsmFile, User, dict[str, Any], int | None], str]


def _act_on_file(
    request: HttpRequest, pk: int, form_class: type[forms.Form], act: FileAction
) -> HttpResponse:
    """A form posted from the file's panel: checked, handed to `act` (which returns the success message),
    and back to the file with the message; refused, the file's page at once (422, as every refused form),
    its panel showing what was typed with what was refused."""
    user, _origin, file = _file(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():  # the panel shows the form again, bound, with its errors at the fields
        input_keep(request, file.pk, form_class.__name__)
        return case_page_refused(request, file.case)
    try:
        messages.success(request, act(file, user, form.cleaned_data, _version(request)))
    except FileRefused as refusal:
        if refusal.field in form.fields:  # at the field it concerns, as the form's own errors
            input_keep(request, file.pk, form_class.__name__, {refusal.field: refusal.text()})
        else:
            _refusal(request, refusal, file.case)
            input_keep(request, file.pk, form_class.__name__)
        return case_page_refused(request, file.case)
    except (Refused, ConcurrentEdit) as refusal:
        _refusal(request, refusal, file.case)
        input_keep(request, file.pk, form_class.__name__)
        return case_page_refused(request, file.case, 409 if isinstance(refusal, ConcurrentEdit) else 422)
    return redirect("workprocesses:case-detail", pk=pk)


@require_http_methods(["POST"])
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    def act(file: ZsmFile, user: User, data: dict[str, Any], version: int | None) -> str:
        triage_choose(file, route=data["route"], actor=user, reason=data["reason"], expected_version=version)
        return _("Route chosen: %(route)s.") % {"route": ROUTE_LABELS[data["route"]]}

    return _act_on_file(request, pk, TriageForm, act)


@require_http_methods(["POST"])
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    def act(file: ZsmFile, user: User, data: dict[str, Any], version: int | None) -> str:
        complaint_record(file, on=data["complaint_on"], actor=user, expected_version=version)
        return _("The complaint is on file.")

    return _act_on_file(request, pk, ComplaintForm, act)


@require_http_methods(["POST"])
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    def act(file: ZsmFile, user: User, data: dict[str, Any], version: int | None) -> str:
        made = request_add(file, partner=data["partner"], question=data["question"], actor=user)
        return _("Request sent to %(partner)s, answer due by %(due)s.") % {
            "partner": made.organisation.name,
            "due": formats.deadline(made.due_at),
        }

    return _act_on_file(request, pk, RequestForm, act)


@require_http_methods(["GET", "POST"])
def order(request: HttpRequest, pk: int) -> HttpResponse:
    """Impose a behaviour order (art. 509hh Sv): contact ban, area ban, reporting duty, care, with dates."""
    user, origin, file = _file(request, pk)
    case = file.case
    if case.closed_at is not None or case.state not in ORDER_STATES:
        messages.error(request, str(refusal_text("state")))
        return redirect("workprocesses:case-detail", pk=pk)
    names = person_list_names_for_user(user=user, person_ids=(file.suspect_id, file.victim_id))
    suspect_name, victim_name = person_label(file.suspect_id, names), person_label(file.victim_id, names)
    form = OrderForm(
        request.POST or None,
        suspect_name=suspect_name,
        victim_name=victim_name,
        earliest=measure_case_start(file.police_case, file.case),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measure = behaviour_order_impose(
                file,
                actor=user,
                conditions=data["conditions"],
                conditions_text=data["conditions_text"],
                areas=form.areas(),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                expected_version=_version(request),
            )
        except MeasureInvalid as invalid:
            add_service_errors(form, invalid)
        except (Refused, ConcurrentEdit) as refusal:
            _refusal(request, refusal, case)
            return redirect("workprocesses:case-detail", pk=pk)
        else:
            # Whom a breach alerts beside the prosecutor: the police case's owner, by name (a screener or a
            # case owner: not always the "casusregisseur"), else as such.
            police_owner = file.police_case.owner
            said = {
                "ref": measure.reference,
                "end": formats.date(measure.ends_on),
                "case": file.police_case.reference,
            }
            messages.success(
                request,
                _(
                    "Behaviour order %(ref)s imposed, until %(end)s: a breach alerts you and %(owner)s, the "
                    "owner of police case %(case)s."
                )
                % {**said, "owner": police_owner.display_name}
                if police_owner is not None
                else _(
                    "Behaviour order %(ref)s imposed, until %(end)s: a breach alerts you and the owner of "
                    "police case %(case)s."
                )
                % said,
            )
            return redirect("workprocesses:case-detail", pk=pk)
    read(  # the form names the file's suspect and victim: read under the file's case
        actor=user,
        object_type="zsm_file",
        object_id=file.pk,
        origin=origin,
        purpose=case_purpose_log(case.reference),
        detail={**case_purpose_detail(case), "order": "new"},
        persons=[p for p in (file.suspect_id, file.victim_id) if p is not None],
    )
    return render(
        request,
        "prosecution/order.html",
        {
            "file": file,
            "suspect_name": suspect_name,
            "victim_name": victim_name,
            "case": case,
            "form": form,
            "error_summary": error_items(form),
            "version": case.lock_version,
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def posts(request: HttpRequest) -> HttpResponse:
    """Who holds the office's posts, and their absences: the substitute takes new files meanwhile."""
    user, origin = _user(request), request_origin(request, "web")
    if not may_use_zsm_desk(user):
        raise PermissionDenied
    held = office_posts(user)
    form = AbsenceForm(request.POST or None, posts=held)
    if request.method == "POST" and form.is_valid():
        post = form.cleaned_data["post"]
        outcome = absence_record(
            post, absent_from=form.cleaned_data["absent_from"], absent_until=form.cleaned_data["absent_until"]
        )  # the form checked the dates
        access_log_record(
            actor=user,
            action="absence",
            object_type="post",
            object_id=post.pk,
            result="stored",
            origin=origin,
            detail={
                "kind": post.kind,
                "user": post.user.username,
                "from": str(post.absent_from or ""),
                "until": str(post.absent_until or ""),
            },
        )
        messages.success(
            request,
            _absence_message(outcome)
            if post.absent_from
            else _("The absence is cleared: the post holder is in."),
        )
        return redirect("prosecution:posts")
    today = timezone.localdate()
    return render(
        request,
        "prosecution/posts.html",
        {
            "posts": [(post, post.absent_on(today)) for post in held],
            "form": form,
            "error_summary": error_items(form),
        },
        status=422 if request.method == "POST" else 200,
    )


def _absence_message(outcome: AbsenceOutcome) -> str:
    """That the absence is recorded, and which of the holder's open files went to whom, or stayed because
    nobody was present to take them over."""
    parts = [_("The absence is recorded.")]
    for to, substitute, references in outcome.handed:
        name = to.display_name
        who = _("%(name)s (substitute)") % {"name": name} if substitute else name
        parts.append(
            ngettext(
                "%(count)d open ZSM file went to %(who)s: %(files)s.",
                "%(count)d open ZSM files went to %(who)s: %(files)s.",
                len(references),
            )
            % {"count": len(references), "who": who, "files": ", ".join(references)}
        )
    if outcome.unattended:
        parts.append(
            ngettext(
                "Nobody was present to take over %(count)d open ZSM file (%(files)s): the prosecutors of "
                "the district office have been alerted.",
                "Nobody was present to take over %(count)d open ZSM files (%(files)s): the prosecutors of "
                "the district office have been alerted.",
                len(outcome.unattended),
            )
            % {"count": len(outcome.unattended), "files": ", ".join(outcome.unattended)}
        )
    return " ".join(parts)


@require_http_methods(["GET"])
def national(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_see_portfolio(user):
        listed(
            actor=user, object_type="zsm_portfolio", purpose=PORTFOLIO_PURPOSE, origin=origin, refused=True
        )
        raise PermissionDenied
    figures = portfolio()
    listed(
        actor=user,
        object_type="zsm_portfolio",
        purpose=PORTFOLIO_PURPOSE,
        origin=origin,
        detail={"offices": len(figures)},
    )
    decisions = definition_of_zsm_decisions()
    # Counts only, published as every figure of the chain is (ui/disclosure.py): a count from 1 to 4 of one
    # office is "<5", the others rounded to 5; the totals summed exactly first, then published. Three tables
    # narrow enough for a laptop: what is open now and the pace, the routes, the decisions.
    tables = [
        _national_table(
            _("Open now and the pace"),
            "national-table",
            [_("Open"), _("Overdue now"), _("Late answers"), _("Median hours to decision")],
            {
                f.office.name: [
                    *(_count_cell(n) for n in (f.open, f.overdue, f.late_requests)),
                    _median_cell(median_shown(f.median_hours, len(f.hours))),
                ]
                for f in figures
            },
            row_testid="national-row",
        ),
        _national_table(
            _("Routes chosen (last 365 days)"),
            "national-routes",
            [str(label) for label in ROUTE_LABELS.values()],
            {f.office.name: [_count_cell(f.routes.get(code, 0)) for code in ROUTE_LABELS] for f in figures},
        ),
        _national_table(
            _("Decisions taken (last 365 days)"),
            "national-decisions",
            [data_text(text) for text in decisions.values()],
            {f.office.name: [_count_cell(f.decisions.get(code, 0)) for code in decisions] for f in figures},
        ),
    ]
    totals = {
        "open": published(sum(f.open for f in figures)),
        "overdue": published(sum(f.overdue for f in figures)),
        "late_requests": published(sum(f.late_requests for f in figures)),
    }
    return render(request, "prosecution/national.html", {"tables": tables, "totals": totals})


def _count_cell(exact: int) -> dict[str, Any]:
    shown = published(exact)
    return {"text": shown.text, "suppressed": shown.suppressed}


def _median_cell(median: float | None) -> dict[str, Any]:
    return {"text": "—" if median is None else localize(median), "suppressed": False}


def _national_table(
    title: str, testid: str, headers: list[str], rows: dict[str, list[dict[str, Any]]], row_testid: str = ""
) -> dict[str, Any]:
    return {
        "title": title,
        "testid": testid,
        "headers": headers,
        "rows": [{"office": office, "cells": cells} for office, cells in rows.items()],
        "row_testid": row_testid,
    }


def definition_of_zsm_decisions() -> dict[str, str]:
    version = ProcessVersion.objects.filter(process="zsm_file").order_by("-version").first()
    return dict(definition_of(version).fields["decision"].choices) if version else {}


# --- the partners' requests ---------------------------------------------------------------------------------


def _withdrawn_text(found: PartnerRequest) -> str:
    """A request withdrawn because the prosecutor decided the file before it was answered, with when."""
    when = timezone.localtime(found.withdrawn_at) if found.withdrawn_at else None
    return _("withdrawn: the Public Prosecution Service decided on %(date)s") % {
        "date": f"{when:%d-%m-%Y}" if when else "—"
    }


def _withdrawn_unanswered(found: PartnerRequest) -> bool:
    """Withdrawn before it was answered: the partner sees only that it was asked, by whom, when, and that
    no answer is needed (the brief is no longer theirs to read)."""
    return found.withdrawn_at is not None and found.answered_at is None


@require_http_methods(["GET"])
def requests_inbox(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_answer_requests(user):
        listed(actor=user, object_type="zsm_request", purpose=REQUESTS_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    answered = request.GET.get("toon") == "beantwoord"
    found = requests_for_user(user=user, answered=answered)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    listed(
        actor=user,
        object_type="zsm_request",
        purpose=REQUESTS_PURPOSE,
        origin=origin,
        detail={"count": len(shown), "page": page.number},
        persons=[r.person_id for r in shown if not _withdrawn_unanswered(r)],
    )
    now = timezone.now()
    rows = [
        {
            "pk": r.pk,
            "file": r.file.case.reference,
            "office": r.file.district_office.name,
            # A request withdrawn unanswered is no longer the partner's to read: not even whom it was about.
            "person": "" if _withdrawn_unanswered(r) else (r.brief.get("person") or {}).get("name", ""),
            "side": _("the victim") if r.side == Side.VICTIM else _("the suspect"),
            "requested": f"{timezone.localtime(r.requested_at):%d-%m-%Y %H:%M}",
            "due": formats.deadline(r.due_at),
            "late": r.late(now),
            "answered": f"{timezone.localtime(r.answered_at):%d-%m-%Y %H:%M}" if r.answered_at else "",
            "withdrawn": _withdrawn_text(r) if _withdrawn_unanswered(r) else "",
            "further": bool(r.question),
            "acute": r.file.urgency_rank == 0,
        }
        for r in shown
    ]
    return render(
        request,
        "prosecution/requests.html",
        {"rows": rows, "page": page, "answered": answered, "query": "toon=beantwoord" if answered else ""},
    )


@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, pk: int) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    found = request_get_for_user(user=user, pk=pk, origin=origin)
    form_class = ANSWER_FORMS[found.partner]
    form = form_class(request.POST or None, question=found.question)
    if request.method == "POST" and found.answered_at is None and found.withdrawn_at is None:
        if form.is_valid():
            try:
                request_answer(found, actor=user, answer=form.cleaned_data, origin=origin)
            except FileRefused as refusal:
                if refusal.field in form.fields:
                    form.add_error(refusal.field, refusal.text())
                else:
                    messages.error(request, refusal.text())
            else:
                messages.success(request, _("Your answer is with the ZSM table."))
                return redirect("prosecution:requests")
    else:
        if request.method == "POST" and found.answered_at is None:  # withdrawn: the file was decided
            messages.warning(
                request,
                _("Nothing of yours was stored: %(withdrawn)s.") % {"withdrawn": _withdrawn_text(found)},
            )
        elif request.method == "POST":  # answered meanwhile (a second tab, a colleague): say so, keep theirs
            messages.warning(
                request,
                _("Nothing of yours was stored: %(name)s answered this request already, on %(at)s.")
                % {
                    "name": found.answered_by_name,
                    "at": f"{timezone.localtime(found.answered_at):%d-%m-%Y %H:%M}"
                    if found.answered_at
                    else "—",
                },
            )
        access_log_record(
            actor=user,
            action="view",
            object_type="zsm_request",
            object_id=found.pk,
            result="shown",
            origin=origin,
            purpose=case_purpose_log(found.file.case.reference),  # the table's request on its file
            detail={**case_purpose_detail(found.file.case), "file": found.file.case.reference},
            persons=[] if _withdrawn_unanswered(found) else [found.person_id],
        )
    brief = {} if _withdrawn_unanswered(found) else found.brief
    offences = [
        f"{o.label} (art. {o.article} Sr)"
        for o in Offence.objects.filter(article__in=brief.get("offences", []))
    ]
    return render(
        request,
        "prosecution/request.html",
        {
            "request_": found,
            "brief": brief,
            "person": brief.get("person") or {},
            "offences": offences,
            "occurred_on": date.fromisoformat(brief["occurred_on"]) if brief.get("occurred_on") else None,
            # Every incident of the file that names the person, newest first (a brief of before: none).
            "incidents": [
                {**incident, "occurred_on": date.fromisoformat(incident["occurred_on"])}
                for incident in brief.get("incidents") or []
            ],
            "form": form if found.answered_at is None and found.withdrawn_at is None else None,
            "error_summary": error_items(form)
            if found.answered_at is None and found.withdrawn_at is None
            else [],
            "answer": answer_rows(found.partner, found.answer) if found.answered_at else [],
            "question_answer": str(found.answer.get(QUESTION_ANSWER) or "") if found.answered_at else "",
            "late": found.late(timezone.now()),
            "withdrawn": _withdrawn_text(found) if _withdrawn_unanswered(found) else "",
        },
        status=422 if request.method == "POST" else 200,  # a POST that lands here stored nothing
    )
