"""Pages of the screening desk: the unit's queue (urgent first), taking a case, a team lead's bulk
handover, and the screening form of a case with the register's pre-answers. Thin: rules live in the
services, selectors and the engine; the case itself is the kernel's page (workprocesses)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.access import listed, read, refuse
from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import with_absence_mark
from ketenzicht.persons.selectors import person_label, person_list_names_for_user
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.registrations.services import registration_list_logged
from ketenzicht.ui import formats
from ketenzicht.ui.formats import versioned
from ketenzicht.ui.forms import error_items, list_as_filtered
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import DeadlineStatus
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import data_text, refusal_lines, refusal_text, state_label, step_label
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
from ketenzicht.workprocesses.selectors import case_get_for_user, concurrent_text, deadline_clock
from ketenzicht.workprocesses.services import BulkAssignRefused, ConcurrentEdit

from .desk import screening_reassign, screening_take
from .engine.scoring import ScoringError, score
from .forms import URGENCIES, BulkAssignForm, QueueFilterForm, ScreeningForm, SecondPersonForm
from .instruments import instrument_of
from .labels import LEVELS
from .models import InstrumentVersion, Screening, ScreeningCase
from .recording import (
    StartRefused,
    screening_confirm,
    screening_decline,
    screening_record,
    screening_result,
)
from .selectors import (
    PAGE_SIZE,
    QueueFilter,
    instrument_overview,
    instruments_for,
    may_reassign_in_bulk,
    may_see_instruments,
    may_use_screening_desk,
    pair_prefill,
    prefill_rows,
    queue_for_user,
    queue_versions,
    screening_case_of,
    screening_to_redo,
)

# Read when shown (gettext_lazy): in the language of the user it is shown to.
# The access log's purpose, shown translated.
QUEUE_PURPOSE = gettext_noop("screening of the own unit's cases")
REFUSALS = {
    "owned": gettext_lazy("A colleague owns this case already: a team lead can hand it over."),
    "unknown": gettext_lazy(
        "One of the chosen cases is not in your queue (any more): nothing was handed over."
    ),
    # A lowered level that no longer waits for a second person (Screening.Status.SUPERSEDED, LAPSED).
    "superseded": gettext_lazy("A newer screening was recorded meanwhile: this lowering no longer counts."),
    "lapsed": gettext_lazy(
        "The case was closed while this lowering waited for a second person: it no longer counts."
    ),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _unit_colleagues(user: User) -> Any:
    """The unit's colleagues who work the queue, each marked when absent today (`absence_marked_name`)."""
    return with_absence_mark(
        User.objects.filter(
            organisation=user.organisation,
            is_active=True,
            roles__role__in=["case_screener", "case_owner", "team_lead"],
        )
        .distinct()
        .order_by("first_name", "last_name", "username"),
        on=timezone.localdate(),
    )


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_use_screening_desk(user):
        listed(actor=user, object_type="screening_case", purpose=QUEUE_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    return _queue_page(request, user, origin)


def _queue_page(
    request: HttpRequest,
    user: User,
    origin: str,
    bulk: BulkAssignForm | None = None,
    refusals: list[str] | None = None,
) -> HttpResponse:
    """The queue (its filters from the query string); `bulk`: a team lead's hand-over that was not stored,
    shown again with what they chose and typed, its errors at their fields and `refusals` (the kernel's,
    each naming its case and why)."""
    colleagues = list(_unit_colleagues(user))
    filters = QueueFilterForm(request.GET or None, colleagues=colleagues, versions=queue_versions(user))
    cases = queue_for_user(user=user, chosen=filters.chosen())
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    listed(
        actor=user,
        object_type="screening_case",
        purpose=QUEUE_PURPOSE,
        origin=origin,
        detail={"count": len(rows), "page": page.number},
    )
    lead = may_reassign_in_bulk(user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "screening/queue.html",
        {
            "rows": _queue_rows(
                rows,
                names=person_list_names_for_user(
                    user=user, person_ids={p for r in rows for p in (r.suspect_id, r.victim_id)}
                ),
                chosen=set(request.POST.getlist("cases")) if bulk is not None else None,
            ),
            "page": page,
            "filters": filters,
            "filtered": filters.chosen() != QueueFilter(),  # an empty queue, or none that match
            "query": query.urlencode(),
            # The filters and page shown, sent along with a hand-over: refused, the same page comes back.
            "shown": request.GET.urlencode(),
            "lead": lead,
            "refusals": refusals or [],
            "bulk_form": (
                bulk or BulkAssignForm(colleagues=_unit_colleagues(user), case_ids=[r.case_id for r in rows])
            )
            if lead
            else None,
        },
        status=422 if bulk is not None else 200,
    )


URGENCY_BADGES = {"acute": "utrecht-status-badge--danger", "high": "utrecht-status-badge--warning"}


def _queue_rows(
    rows: list[Any], *, names: dict[int, str], chosen: set[str] | None = None
) -> list[dict[str, Any]]:
    """What each row shows, worked out here rather than in the template (50 rows of includes and
    translations took most of the page's time). `names`: the persons' list names for the user
    (`persons.selectors`); `chosen`: the cases ticked in a hand-over that was not stored (ticked again)."""
    clock = deadline_clock()
    found = []
    for row in rows:
        case = row.case
        deadline = timezone.localtime(case.deadline_at) if case.deadline_at else None
        status = clock.status(deadline)
        owner = case.owner
        version = case.process_version
        found.append(
            {
                "pk": case.pk,
                "chosen": str(case.pk) in (chosen or set()),
                "reference": case.reference,
                "urgency": row.urgency,
                "urgency_label": str(URGENCIES.get(row.urgency, "—")).capitalize(),
                "urgency_class": URGENCY_BADGES.get(row.urgency, ""),
                "reassess": bool(case.data.get("reassess")),
                "pair": f"{person_label(row.suspect_id, names)} → {person_label(row.victim_id, names)}",
                "state": state_label(definition_of(case.process_version), case.state),
                # A proposed step (a lowered urgency, a closing) waits for a second person: the team lead
                # sees it in the queue, not only on the case.
                "waiting": (
                    (
                        _("a lowering waits for confirmation")
                        if case.pending.get("lowered")
                        else _("waits for a second person")
                    )
                    if case.pending
                    else ""
                ),
                "deadline": formats.deadline(deadline) if deadline else "",
                "deadline_iso": deadline.isoformat() if deadline else "",
                "overdue": status is DeadlineStatus.OVERDUE,
                "near": status is DeadlineStatus.NEAR,
                "escalated": case.escalated_at is not None,
                "level": str(LEVELS.get(row.level, "")).capitalize() if row.level else "—",
                "owner": owner.display_name if owner else "",
                # An owner who left (deactivated): the case is the unit's again, for anyone to take.
                "owner_gone": owner is not None and not owner.is_active,
                # An owner recorded absent today: the team lead hands the case over (the queue's filter).
                "owner_absent": owner is not None and bool(getattr(row, "owner_absent", False)),
                "version": versioned(data_text(version.label), version.version),
                "choose_label": _("Choose case %(ref)s") % {"ref": case.reference},
                "take_label": _("Take case %(ref)s") % {"ref": case.reference},
            }
        )
    return found


@require_http_methods(["POST"])
def queue_assign(request: HttpRequest) -> HttpResponse:
    """A team lead hands the chosen cases of the queue to one colleague, with one reason."""
    user = _user(request)
    if not may_reassign_in_bulk(user):
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("cases") if pk.isdigit()]
    form = BulkAssignForm(request.POST, colleagues=_unit_colleagues(user), case_ids=ids)
    if not form.is_valid():  # the queue again, with what was chosen and typed, each mistake at its field
        messages.error(request, _("Nothing was handed over: check the fields marked in red below."))
        return _queue_page(request, user, request_origin(request, "web"), bulk=form)
    origin = request_origin(request, "web")
    try:
        done = screening_reassign(
            form.cleaned_data["cases"],
            person=form.cleaned_data["person"],
            actor=user,
            reason=form.cleaned_data["reason"],
        )
    except BulkAssignRefused as refused:  # the queue again (422), each refused case named with why
        messages.error(request, _("Nothing was handed over: the cases below were refused."))
        return _queue_page(
            request,
            user,
            origin,
            bulk=form,
            refusals=refusal_lines(refused.refusals),
        )
    except Refused as refusal:
        messages.error(
            request,
            str(
                REFUSALS.get(refusal.code)
                or refusal_text(refusal.code, refusal.detail, params=refusal.params)
            ),
        )
        return _queue_page(request, user, origin, bulk=form)
    person = form.cleaned_data["person"]
    messages.success(
        request,
        ngettext(
            "%(count)s case handed over to %(name)s.", "%(count)s cases handed over to %(name)s.", len(done)
        )
        % {"count": len(done), "name": person.display_name},
    )
    return list_as_filtered(request, "screening:queue")


def _case(request: HttpRequest, pk: int) -> tuple[Case, ScreeningCase]:
    """The case and its screening side if it is a screening case the user works on; else the one 404 for
    missing and forbidden, logged once."""
    user, origin = _user(request), request_origin(request, "web")
    case = case_get_for_user(user=user, pk=pk, origin=origin)
    screening_case = screening_case_of(case) if may_use_screening_desk(user) else None
    if screening_case is None:
        raise refuse(actor=user, object_type="case", object_id=pk, origin=origin)
    return case, screening_case


@require_http_methods(["POST"])
def take(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case, _screening_case = _case(request, pk)
    try:
        screening_take(case, actor=user, expected_version=None)
    except Refused as refusal:
        messages.error(request, str(REFUSALS.get(refusal.code) or refusal_text(refusal.code)))
        return redirect("screening:queue")
    messages.success(request, _("You own case %(reference)s now.") % {"reference": case.reference})
    return redirect("workprocesses:case-detail", pk=case.pk)


def _instrument(case: Case, code: str) -> tuple[InstrumentVersion | None, list[InstrumentVersion]]:
    """The chosen instrument among those the case's process offers (the first when none or another is
    asked); None when none is loaded."""
    offered = instruments_for(case)
    if not offered:
        return None, offered
    chosen = next((v for v in offered if v.code == code), offered[0])
    return chosen, offered


@require_http_methods(["GET", "POST"])
def screening_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The screening form: GET shows it pre-answered; POST `action=preview` computes the level without
    storing; `action=record` stores the screening (a lowered level then waits for a second person)."""
    user, origin = _user(request), request_origin(request, "web")
    case, screening_case = _case(request, pk)
    # After a declined lowering, screening again starts from that screening: its instrument, its answers.
    redo = screening_to_redo(case)
    asked = request.POST.get("instrument") or request.GET.get("instrument", "")
    version, offered = _instrument(case, asked or (redo.instrument.code if redo else ""))
    if version is None:
        messages.error(request, _("No risk-screening instrument is loaded for this work process."))
        return redirect("workprocesses:case-detail", pk=case.pk)
    instrument = instrument_of(version)
    facts = pair_prefill(screening_case)
    rows = prefill_rows(
        user=user,
        instrument=instrument,
        facts=facts,
        visible=registration_list_for_user(user=user, purposed=True),
    )
    shown = [r for row in rows for r in row.evidence]
    if shown:  # the evidence of the pre-answers, read with the case as purpose
        registration_list_logged(
            user=user,
            origin=origin,
            purpose=case_purpose_log(case.reference),
            detail={**case_purpose_detail(case), "registrations": sorted({r.pk for r in shown})},
            shown=list({r.pk: r for r in shown}.values()),
        )
    if redo is not None and redo.instrument.code != version.code:
        redo = None  # another instrument: its answers are not this one's
    form = ScreeningForm(
        request.POST or None, instrument=instrument, rows=rows, earlier=redo.answers if redo else None
    )
    read(
        actor=user,
        object_type="case",
        object_id=case.pk,
        origin=origin,
        purpose=case_purpose_log(case.reference),
        detail={**case_purpose_detail(case), "screening_form": version.code},
        persons=case.persons.values_list("pk", flat=True),
    )
    preview: Any = None
    status = 200
    if request.method == "POST" and case.closed_at is not None:
        messages.error(request, refusal_text("closed"))
        status = 422
    elif request.method == "POST" and form.is_valid():
        prefill = {
            key: {"answer": fact.answer, "evidence": list(fact.evidence), "basis": fact.basis}
            for key, fact in facts.items()
        }
        pre_answers = {
            row.item.key: prefill[row.item.prefill]
            for row in rows
            if row.item.prefill and row.item.prefill in prefill
        }
        try:
            if request.POST.get("action") == "record":
                screening = screening_record(
                    case=case,
                    instrument=version,
                    answers=form.answers(),
                    prefill=pre_answers,
                    level=form.chosen_level(),
                    reason=form.cleaned_data["reason"],
                    actor=user,
                    expected_version=_posted_version(request),
                )
                if screening.status == Screening.Status.AWAITING_SECOND:
                    messages.success(
                        request,
                        _("Screening stored. The lowered level waits for a second person to confirm it."),
                    )
                else:
                    messages.success(
                        request,
                        _("Screening stored: %(level)s.")
                        % {"level": LEVELS.get(screening.level, screening.level)},  # type: ignore[call-overload]
                    )
                return redirect("workprocesses:case-detail", pk=case.pk)
            preview = _preview(version, form)
        except ScoringError as error:
            # The computed level stays in sight while the screener writes what is missing (computed before
            # the errors are added: an error takes its field out of the cleaned data).
            with contextlib.suppress(ScoringError):
                preview = _preview(version, form)
            for problem in error.problems:
                if problem.startswith("judgement.reason"):
                    form.add_error("reason", _explain(problem))  # the summary above the form links it
                else:
                    form.add_error(None, _explain(problem))
            status = 422
        except ConcurrentEdit:
            messages.error(request, concurrent_text(case, request.user))  # type: ignore[arg-type]
            status = 409
        except StartRefused as refusal:
            messages.error(request, _start_refused_text(case, refusal))
            status = 422
        except Refused as refusal:
            messages.error(request, refusal_text(refusal.code))
            status = 422
    elif request.method == "POST":  # the error summary above the form says it, each mistake a link
        status = 422
    return render(
        request,
        "screening/screening_form.html",
        {
            "case": case,
            "screening_case": screening_case,
            "pair": _pair_named(user, screening_case),
            "version": version,
            # The case as the form was first filled against it: kept through a preview, so a screening
            # stored from another tab meanwhile is noticed when this one is stored.
            "lock_version": _posted_version(request) if request.method == "POST" else case.lock_version,
            "offered": offered,
            "instrument": instrument,
            "form": form,
            "error_summary": error_items(form),
            "preview": preview,
            "redo": _redo_notice(redo) if redo is not None and request.method == "GET" else None,
        },
        status=status,
    )


def _start_refused_text(case: Case, refusal: StartRefused) -> str:
    """Why the screening was not stored: recording it would start the case's screening, and that step is
    refused; the step's refusal in the case page's words (a desk's rule in its own)."""
    definition = definition_of(case.process_version)
    inner = refusal.refusal
    why = inner.said or refusal_text(inner.code, inner.detail, definition, case, inner.params)
    return _(
        "The screening was not stored: recording it starts the screening of the case (step “%(step)s”), "
        "and that step cannot be taken now. %(why)s"
    ) % {"step": step_label(definition, refusal.step), "why": why}


def _pair_named(user: User, screening_case: ScreeningCase) -> str:
    """The case's suspect and victim by their list names for `user`, who reads the case under its purpose."""
    pair = (screening_case.suspect_id, screening_case.victim_id)
    names = person_list_names_for_user(user=user, person_ids=pair, purposed=True)
    return " → ".join(person_label(p, names) for p in pair)


def _redo_notice(redo: Screening) -> dict[str, Any]:
    """What the form says about the declined screening whose answers it starts from."""
    second = redo.second_person
    return {
        "when": redo.recorded_at,
        "who": second.display_name if second else "",
        "level": LEVELS.get(redo.level, redo.level),  # type: ignore[call-overload]
        "reason": redo.declined_reason,
    }


def _explain(problem: str) -> str:
    """A scoring problem in the page's words: a judgement without its reason is the common one."""
    if problem.startswith("judgement.reason"):
        return _("Give the reason for another level than the computed one.")
    if problem.startswith("judgement:"):
        return _("Choose a level and write the reason: this instrument is a professional judgement.")
    return problem


def _preview(version: InstrumentVersion, form: ScreeningForm) -> dict[str, Any]:
    """The computed level and why, for the screener to confirm, raise or lower before storing."""
    engine = instrument_of(version)
    computed = score(engine, form.answers()) if engine.scoring.mode.value != "judgement" else None
    chosen = form.chosen_level()
    # As recording would score it; a reason not written yet does not stop the preview.
    final = screening_result(version, form.answers(), chosen, form.cleaned_data["reason"] or "-")
    return {
        "computed": computed,
        "computed_label": LEVELS[computed.level] if computed else "",
        "final_label": LEVELS[final.level] if final else "",
        "lowered": bool(final and final.needs_second_person),
        "reasons": [r for r in (computed.reasons if computed else ()) if r.kind.value != "judgement"],
    }


@require_http_methods(["POST"])
def screening_second(request: HttpRequest, pk: int, screening_pk: int) -> HttpResponse:
    """A second person confirms a lowered level, or declines it with the reason."""
    user = _user(request)
    case, _screening_case = _case(request, pk)
    screening = case.screenings.filter(pk=screening_pk).first()
    if screening is None:
        raise refuse(
            actor=user, object_type="screening", object_id=screening_pk, origin=request_origin(request, "web")
        )
    form = SecondPersonForm(request.POST)
    if not form.is_valid():
        if "decision" in form.errors:
            messages.error(request, _("Nothing was stored: confirm the lower level or decline it."))
        else:
            label = form.fields["reason"].label
            messages.error(request, _("Nothing was stored: fill in “%(field)s”.") % {"field": label})
        return redirect("workprocesses:case-detail", pk=case.pk)
    # The case as the page showed it: a newer screening or the case closed since is "changed meanwhile".
    expected = _posted_version(request)
    try:
        if form.cleaned_data["decision"] == "confirm":
            screening_confirm(screening, actor=user, expected_version=expected)
            messages.success(request, _("Lowered level confirmed."))
        else:
            declined = screening_decline(
                screening, actor=user, reason=form.cleaned_data["reason"], expected_version=expected
            )
            messages.success(
                request,
                _("Lowered level declined: the case has the computed level, %(level)s.")
                % {"level": LEVELS.get(declined.computed_level, declined.computed_level)},  # type: ignore[call-overload]
            )
    except ConcurrentEdit:
        messages.error(request, concurrent_text(case, user))
    except Refused as refusal:
        messages.error(request, str(REFUSALS.get(refusal.code) or refusal_text(refusal.code)))
    return redirect("workprocesses:case-detail", pk=case.pk)


def _posted_version(request: HttpRequest) -> int | None:
    """The case's lock version the screening form was filled against (None: not sent, not checked)."""
    raw = request.POST.get("lock_version", "")
    return int(raw) if raw.isdigit() else None


@require_http_methods(["GET"])
def instruments(request: HttpRequest) -> HttpResponse:
    """The functional administrator's read-only view of the risk-screening instruments as loaded data: each
    instrument's versions, and which processes and units offer the latest."""
    if not may_see_instruments(_user(request)):
        raise PermissionDenied
    return render(request, "screening/instruments.html", {"instruments": instrument_overview()})
