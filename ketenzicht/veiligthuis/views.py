"""Pages of the Veilig Thuis desk: the inbox (acute first), taking a notification, forwarding it to the
right region, and the timeliness figures. The notification itself is the kernel's case page with this
desk's panel (panel.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.access import listed
from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.ui import formats
from ketenzicht.ui.forms import list_as_filtered
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import DeadlineStatus
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import data_text, refusal_lines, refusal_text, state_label
from ketenzicht.workprocesses.selectors import case_get_for_user, deadline_clock
from ketenzicht.workprocesses.services import BulkAssignRefused, ConcurrentEdit, case_assign

from .charts import weekly_bars_svg
from .forms import BulkHandOverForm, FeedbackFilterForm, ForwardForm, InboxFilterForm
from .labels import RADAR_BADGES, RADAR_GROUPS, radar_group, radar_label
from .selectors import (
    PAGE_SIZE,
    RADAR_GROUP_ORDER,
    feedback_counts_for_user,
    feedback_list_for_user,
    feedback_state,
    hand_over_colleagues,
    inbox_for_user,
    inbox_workload,
    may_hand_over_in_bulk,
    may_see_feedback_list,
    may_see_timeliness,
    may_use_vt_desk,
    notification_of,
    notification_pairs_for_user,
    police_cases_seen,
    timeliness,
)
from .services import (
    TOLD,
    ForwardRefused,
    notification_forward,
    notification_take_up,
    notifications_hand_over,
)

# The purposes of the desk's lists in the access log (shown translated).
TIMELINESS_PURPOSE = gettext_noop("timeliness figures of Veilig Thuis")
INBOX_PURPOSE = gettext_noop("work on the notifications of the own Veilig Thuis")
FEEDBACK_PURPOSE = gettext_noop("keeping the chain protocol: feedback to the police")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_use_vt_desk(user):
        listed(actor=user, object_type="vt_notification", purpose=INBOX_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    return _inbox_page(request, user, origin)


def _inbox_page(
    request: HttpRequest,
    user: User,
    origin: str,
    bulk: BulkHandOverForm | None = None,
    refusals: list[str] | None = None,
) -> HttpResponse:
    """The inbox (its filters from the query string); `bulk`: a team lead's hand-over that was not stored,
    shown again with what they chose and typed, its errors at their fields and `refusals` (the kernel's,
    one per notification) above them."""
    filters = InboxFilterForm(request.GET or None)
    found = inbox_for_user(user=user, chosen=filters.chosen())
    # The page's case ids first (the vt_inbox index alone), then those rows with their joins: a deep page
    # would otherwise join and sort every open notification of the organisation (bench/veiligthuis.py).
    page = Paginator(found.values_list("case_id", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(found.filter(case_id__in=list(page.object_list)))
    listed(
        actor=user,
        object_type="vt_notification",
        purpose=INBOX_PURPOSE,
        origin=origin,
        detail={"count": len(rows), "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    lead = may_hand_over_in_bulk(user)
    chosen = set(request.POST.getlist("notifications")) if bulk is not None else set()
    return render(
        request,
        "veiligthuis/inbox.html",
        {
            "rows": _inbox_rows(
                rows, user.role_codes, notification_pairs_for_user(user=user, notifications=rows), chosen
            ),
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            # The filters and page shown, sent along with a hand-over: refused, the same page comes back.
            "shown": request.GET.urlencode(),
            "workload": inbox_workload(user=user),
            "lead": lead,
            "bulk_form": (
                bulk
                or BulkHandOverForm(colleagues=hand_over_colleagues(user), case_ids=[n.case_id for n in rows])
            )
            if lead
            else None,
            "refusals": refusals or [],
        },
        status=422 if bulk is not None else 200,
    )


def _inbox_rows(
    rows: list[Any], roles: frozenset[str], pairs: dict[int, str], chosen: set[str]
) -> list[dict[str, Any]]:
    """What each row of the inbox shows; `pairs`: each notification's suspect and victim for the user;
    `chosen`: the notifications ticked in a hand-over that was not stored (ticked again)."""
    clock = deadline_clock()
    found = []
    for n in rows:
        case = n.case
        status = clock.status(case.deadline_at)
        definition = definition_of(case.process_version)
        group = radar_group(n.radar_class)
        found.append(
            {
                "pk": case.pk,
                "reference": case.reference,
                "received": f"{timezone.localtime(n.received_at):%d-%m-%Y %H:%M}",
                "pair": pairs.get(case.pk, "? → ?"),
                "radar": radar_label(n.radar_class),
                "radar_class": RADAR_BADGES.get(group, ""),
                # Acute while it waits for the assessment or for what follows acute unsafety.
                "acute": case.state in ("received", "acute")
                and (n.urgency_rank == 0 or n.unsafety == "acute"),
                "state": state_label(definition, case.state),
                "deadline": formats.deadline(case.deadline_at) if case.deadline_at else "",
                "overdue": status is DeadlineStatus.OVERDUE,
                "near": status is DeadlineStatus.NEAR,
                "owner": case.owner.display_name if case.owner else "",
                "owner_absent": case.owner is not None and bool(getattr(n, "owner_absent", False)),
                "origin": n.get_origin_display(),
                "news": n.news,
                "take_label": _("Take notification %(ref)s") % {"ref": case.reference},
                "chosen": str(case.pk) in chosen,
                "choose_label": _("Choose notification %(ref)s") % {"ref": case.reference},
                "may_take": bool(roles & definition.working_roles()),  # not the chain contact, who follows
            }
        )
    return found


@require_http_methods(["POST"])
def take(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor takes a notification nobody owns yet: they become its owner."""
    user = _user(request)
    case = case_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    if notification_of(case) is None or not may_use_vt_desk(user):
        raise Http404
    if not set(user.role_codes) & definition_of(case.process_version).working_roles():
        messages.error(
            request, _("Your role follows notifications but does not assess them: an assessor takes it.")
        )
        return redirect("workprocesses:case-detail", pk=case.pk)
    if case.owner_id is not None and case.owner_id != user.pk:
        messages.error(
            request, _("A colleague owns this notification already: a team lead can hand it over.")
        )
        return redirect("workprocesses:case-detail", pk=case.pk)
    try:
        case_assign(case, "owner", person=user, actor=user, expected_version=None)
    except (Refused, ConcurrentEdit) as refusal:
        messages.error(request, refusal_text(refusal.code) if isinstance(refusal, Refused) else str(refusal))
        return redirect("veiligthuis:inbox")
    messages.success(request, _("You own notification %(ref)s now.") % {"ref": case.reference})
    return redirect("workprocesses:case-detail", pk=case.pk)


@require_http_methods(["POST"])
def take_up(request: HttpRequest, pk: int) -> HttpResponse:
    """An assessor read what the police handed over on the notification and takes it up: the police case
    shows the hand-off as taken, and the inbox no longer marks it as new."""
    user = _user(request)
    case = case_get_for_user(user=user, pk=pk, origin=request_origin(request, "web"))
    notification = notification_of(case)
    if notification is None or not may_use_vt_desk(user):
        raise Http404
    if not set(user.role_codes) & definition_of(case.process_version).working_roles():
        messages.error(
            request, _("Your role follows notifications but does not assess them: an assessor takes it up.")
        )
        return redirect("workprocesses:case-detail", pk=case.pk)
    if not notification.news:
        messages.info(request, _("The police's information on this notification was taken up already."))
        return redirect("workprocesses:case-detail", pk=case.pk)
    try:
        notification_take_up(notification, actor=user)
    except (Refused, ConcurrentEdit) as refusal:
        messages.error(request, refusal_text(refusal.code) if isinstance(refusal, Refused) else str(refusal))
        return redirect("workprocesses:case-detail", pk=case.pk)
    messages.success(
        request,
        _("You took up the police's information on notification %(ref)s; the police case shows it as taken.")
        % {"ref": case.reference},
    )
    return redirect("workprocesses:case-detail", pk=case.pk)


# Why a hand-over was refused as a whole (the kernel's refusals per notification: `refusal_text`).
HAND_OVER_REFUSALS = {
    "unknown": gettext_lazy(
        "One of the chosen notifications is not in your inbox (any more): nothing was handed over."
    ),
}


@require_http_methods(["POST"])
def inbox_hand_over(request: HttpRequest) -> HttpResponse:
    """A team lead hands the notifications ticked in the inbox to one colleague, with one reason: all or
    nothing; the inbox again (422) with each mistake at its field, or each notification the kernel refused
    named with why."""
    user, origin = _user(request), request_origin(request, "web")
    if not may_hand_over_in_bulk(user):
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("notifications") if pk.isdigit()]
    form = BulkHandOverForm(request.POST, colleagues=hand_over_colleagues(user), case_ids=ids)
    if not form.is_valid():  # the inbox again, with what was chosen and typed, each mistake at its field
        messages.error(request, _("Nothing was handed over: check the fields marked in red below."))
        return _inbox_page(request, user, origin, bulk=form)
    person = form.cleaned_data["person"]
    try:
        done = notifications_hand_over(
            form.cleaned_data["notifications"], person=person, actor=user, reason=form.cleaned_data["reason"]
        )
    except BulkAssignRefused as refused:
        messages.error(request, _("Nothing was handed over: the notifications below were refused."))
        return _inbox_page(
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
                HAND_OVER_REFUSALS.get(refusal.code)
                or refusal_text(refusal.code, refusal.detail, params=refusal.params)
            ),
        )
        return _inbox_page(request, user, origin, bulk=form)
    messages.success(
        request,
        ngettext(
            "%(count)s notification handed over to %(name)s.",
            "%(count)s notifications handed over to %(name)s.",
            len(done),
        )
        % {"count": len(done), "name": person.display_name},
    )
    return list_as_filtered(request, "veiligthuis:inbox")


@require_http_methods(["POST"])
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    case = case_get_for_user(user=user, pk=pk, origin=origin)
    notification = notification_of(case)
    if notification is None or not may_use_vt_desk(user):
        raise Http404
    form = ForwardForm(request.POST, current=notification.organisation)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
        return redirect("workprocesses:case-detail", pk=case.pk)
    try:
        forwarded = notification_forward(
            notification,
            to=form.cleaned_data["to"],
            actor=user,
            reason=form.cleaned_data["reason"],
            origin=origin,
        )
    except (Refused, ForwardRefused, ConcurrentEdit) as refusal:
        messages.error(
            request, refusal_text(refusal.code) if isinstance(refusal, Refused) else _("Not forwarded.")
        )
        return redirect("workprocesses:case-detail", pk=case.pk)
    messages.success(
        request,
        _("Notification %(ref)s forwarded to %(to)s (there: %(new)s).")
        % {"ref": case.reference, "to": forwarded.organisation.name, "new": forwarded.case.reference},
    )
    return redirect("veiligthuis:inbox")


WEEK_CHOICES = (4, 8, 12, 26, 52)


@require_http_methods(["GET"])
def timeliness_page(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_see_timeliness(user):
        listed(
            actor=user, object_type="vt_timeliness", purpose=TIMELINESS_PURPOSE, origin=origin, refused=True
        )
        raise PermissionDenied
    regions = list(
        Organisation.objects.filter(kind=OrganisationKind.VEILIG_THUIS, active=True).order_by("name")
    )
    try:
        weeks = int(request.GET.get("weken", "12"))
    except ValueError:
        weeks = 12
    weeks = weeks if weeks in WEEK_CHOICES else 12
    own = (
        user.organisation
        if user.organisation and user.organisation.kind == OrganisationKind.VEILIG_THUIS
        else None
    )
    code = request.GET.get("regio", own.code if own else "")
    region = next((r for r in regions if r.code == code), None)
    figures = timeliness(viewer=own, weeks=weeks, organisation=region)
    rows = figures.weeks
    legend = {
        "in_time": _("assessed in time"),
        "late": _("assessed late"),
        "overdue_now": _("overdue now"),
        "waiting": _("within the term"),
        "taken_over": _("taken over by a new notification"),
    }
    chart = weekly_bars_svg(
        [
            (
                row.label,
                {
                    "in_time": row.in_time.value,
                    "late": row.late.value,
                    "overdue_now": row.overdue_now.value,
                    "waiting": row.waiting.value,
                    "taken_over": row.taken_over.value,
                },
            )
            for row in rows
        ],
        title=_("Safety assessments per week of receipt: %(where)s")
        % {"where": region.name if region else _("all regions")},
        description=_(
            "Stacked bars per week: assessed in time, assessed late, overdue now, within the term, taken "
            "over by a new notification. The table below gives the same figures."
        ),
        legend=legend,
        suppressed_label=_("fewer than 5 of another organisation"),
        suppressed_texts={
            (row.label, part): cell.text
            for row in rows
            for part, cell in (
                ("in_time", row.in_time),
                ("late", row.late),
                ("overdue_now", row.overdue_now),
                ("waiting", row.waiting),
                ("taken_over", row.taken_over),
            )
            if cell.value is None
        },
    )
    listed(
        actor=user,
        object_type="vt_timeliness",
        purpose=TIMELINESS_PURPOSE,
        origin=origin,
        detail={"region": region.code if region else "all", "weeks": weeks},
    )
    return render(
        request,
        "veiligthuis/timeliness.html",
        {
            "rows": rows,
            "chart": chart,
            "regions": regions,
            "region": region,
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "by_region": figures.regions,
            "radar_headers": [RADAR_GROUPS[group] for group in RADAR_GROUP_ORDER],
        },
    )


# What the chain contact's list says of a notification's feedback, and its badge.
FEEDBACK_STATE_LABELS = {
    "missing": (gettext_lazy("missing: past the term"), "utrecht-status-badge--danger"),
    "due": (gettext_lazy("due: within the term"), "utrecht-status-badge--warning"),
    "sent": (gettext_lazy("sent"), ""),
    "forwarded": (gettext_lazy("forwarded: the other Veilig Thuis feeds back"), ""),
    "taken_over": (gettext_lazy("taken over: the new notification feeds back"), ""),
}


@require_http_methods(["GET"])
def feedback_page(request: HttpRequest) -> HttpResponse:
    """The chain contact's list of feedback to the police: per notification of the organisation that came
    from a police case, whether the feedback was sent, is due or is missing, with counts on top."""
    user, origin = _user(request), request_origin(request, "web")
    if not may_see_feedback_list(user):
        listed(actor=user, object_type="vt_feedback", purpose=FEEDBACK_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    filters = FeedbackFilterForm(request.GET or None)
    invalid = filters.is_bound and not filters.is_valid()
    chosen = filters.chosen()
    now = timezone.now()
    found = feedback_list_for_user(user=user, chosen=chosen, now=now)
    if invalid:  # a period that is no period: nothing shown as if it were filtered, its error at its field
        found = found.none()
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    listed(
        actor=user,
        object_type="vt_feedback",
        purpose=FEEDBACK_PURPOSE,
        origin=origin,
        detail={
            "filters": {k: str(v) for k, v in vars(chosen).items() if v},
            "count": len(rows),
            "page": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "veiligthuis/feedback.html",
        {
            "rows": _feedback_rows(rows, police_cases_seen(user=user, notifications=rows), now),
            "counts": None if invalid else feedback_counts_for_user(user=user, chosen=chosen, now=now),
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
        },
        status=422 if invalid else 200,
    )


def _told_text(notification: Any) -> str:
    """What the police case was told last (the notification's `told`), by the process file's labels."""
    fields = definition_of(notification.case.process_version).fields
    told = notification.told or {}
    parts = []
    for name in TOLD:
        value = str(told.get(name) or "").strip()
        spec = fields.get(name)
        if not value or spec is None:
            continue
        word = data_text(spec.choices.get(value, value)) if spec.choices else value.rstrip(".")
        parts.append(f"{data_text(spec.label)}: {word}")
    return "; ".join(parts)


def _feedback_rows(rows: list[Any], seen: set[int], now: Any) -> list[dict[str, Any]]:
    """What each row of the chain contact's list shows; `seen`: the police cases whose reference the user
    may read (`selectors.police_cases_seen`)."""
    found = []
    for n in rows:
        state = feedback_state(n, forwarded=n.forwarded, now=now)
        label, badge = FEEDBACK_STATE_LABELS[state]
        police_case = n.police_case
        found.append(
            {
                "pk": n.case_id,
                "reference": n.case.reference,
                "police_case": police_case.reference
                if police_case is not None and police_case.pk in seen
                else "",
                "received": f"{timezone.localtime(n.received_at):%d-%m-%Y %H:%M}",
                "term": formats.deadline(n.feedback_due_at) if n.feedback_due_at else "",
                "state": state,
                "state_label": label,
                "state_badge": badge,
                "sent": f"{timezone.localtime(n.feedback_at):%d-%m-%Y %H:%M}" if n.feedback_at else "",
                "told": _told_text(n),
                "taken_over_by": n.taken_over_by.case.reference if n.taken_over_by is not None else "",
                "taken_over_pk": n.taken_over_by_id,
            }
        )
    return found
