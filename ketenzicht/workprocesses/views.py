"""Pages of the kernel: roll-out of work-process versions (functional administrator), the case list, a
case with its steps, assignments, notes and history. Thin: rules live in services and the engine."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.access import NotVisible, listed, read
from ketenzicht.audit.services import access_log_together, request_origin
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import absences_on, moves_at, names_with_role, people_names
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.selectors import (
    registration_by_reference_for_user,
    registration_list_for_user,
    registration_sight_for_user,
)
from ketenzicht.registrations.services import registration_list_logged
from ketenzicht.ui.formats import versioned
from ketenzicht.ui.forms import NOTHING_STORED, ErrorItem, error_items
from ketenzicht.ui.page_reads import page_reads

from .alerts import alert_list_for_user, alert_text
from .definitions import definition_of
from .engine.definition import Definition, Transition
from .engine.machine import Refused
from .forms import (
    AssignForm,
    CaseOpenForm,
    ConfirmForm,
    DeclineForm,
    LockedForm,
    NoteForm,
    RegistrationAddForm,
    ReopenForm,
    RolloutForm,
    TransitionForm,
    WithdrawForm,
)
from .headings import case_heading, case_headings
from .labels import (
    data_text,
    desk_note_shown,
    history_note,
    history_notes_for_reader,
    lowered_rows,
    refusal_text,
    state_label,
    step_label,
    stored_step_text,
    value_label,
)
from .models import Case, CaseEvent, EventKind, ProcessVersion, Rollout
from .panels import (
    case_desk,
    case_noun,
    case_panels,
    queue_lead_label,
    reason_required,
    step_note,
    step_waiting,
)
from .purpose import CASE_PARAM, case_purpose_detail, case_purpose_log
from .rollouts import NoProcessVersion, RolloutRefused, rollout_enable, rollout_withdraw
from .selectors import (
    REOPEN_ROLE,
    case_closed_list,
    case_colleagues,
    case_get_for_user,
    case_open_list,
    case_person_ids,
    case_registration_ids,
    case_view,
    closing_step,
    concurrent_text,
    may_hand_over,
    may_manage_rollouts,
    may_reopen,
    may_work_cases,
    reopenable,
    rollout_history,
    rollout_overview,
    rollout_planned,
    unit_processes,
)
from .services import (
    ALERTS_SETTLED,
    ConcurrentEdit,
    case_add_registrations_by_user,
    case_assign,
    case_confirm,
    case_decline,
    case_note,
    case_open,
    case_reopen,
    case_take,
    case_withdraw,
)

# The access log's purpose, shown translated.
CASE_LIST_PURPOSE = gettext_noop("work on the cases of the own organisation")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _version_text(process_version: ProcessVersion) -> str:
    """A version as messages name it, e.g. "Ex-partnerstalking (verbeterde werkwijze), versie 2"."""
    return versioned(data_text(process_version.label), process_version.version)


def _rollouts_page(
    request: HttpRequest,
    form: RolloutForm,
    *,
    withdrawing: tuple[int, WithdrawForm] | None = None,
    status: int = 200,
    error_summary: list[ErrorItem] | None = None,
) -> HttpResponse:
    """The roll-out page: the form, the versions in force, the planned roll-outs each with its withdrawal
    form (`withdrawing`: the one just sent back with its errors)."""
    planned = [
        (
            rollout,
            withdrawing[1]
            if withdrawing and withdrawing[0] == rollout.pk
            else WithdrawForm(prefix=f"withdraw-{rollout.pk}"),
        )
        for rollout in rollout_planned()
    ]
    return render(
        request,
        "workprocesses/rollouts.html",
        {
            "form": form,
            "rows": rollout_overview(),
            "planned": planned,
            "history": rollout_history(),
            "error_summary": error_summary or [],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rollouts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_manage_rollouts(user):
        raise PermissionDenied
    form = RolloutForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rollout_enable(
                process_version=data["process_version"],
                organisation=data["organisation"],
                valid_from=data["valid_from"],
                actor=user,
                note=data["note"],
                origin=request_origin(request, "web"),
            )
        except RolloutRefused as refused:
            form.add_error(refused.field, str(refused.message))
        except ValueError:
            form.add_error("organisation", _("This organisation cannot run this work process."))
        else:
            where = data["organisation"].name if data["organisation"] else _("all organisations")
            messages.success(
                request,
                _("%(version)s runs in %(where)s from %(date)s.")
                % {
                    "version": _version_text(data["process_version"]),
                    "where": where,
                    "date": data["valid_from"].strftime("%d-%m-%Y"),
                },
            )
            return redirect("workprocesses:rollouts")
    if request.method == "POST":  # each mistake in the summary, a link to its field
        return _rollouts_page(request, form, status=422, error_summary=error_items(form))
    return _rollouts_page(request, form)


@require_http_methods(["POST"])
def rollout_withdrawal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not may_manage_rollouts(user):
        raise PermissionDenied
    rollout = get_object_or_404(Rollout.objects.select_related("process_version", "organisation"), pk=pk)
    form = WithdrawForm(request.POST, prefix=f"withdraw-{pk}")
    if form.is_valid():
        try:
            rollout_withdraw(
                rollout,
                actor=user,
                reason=form.cleaned_data["reason"],
                origin=request_origin(request, "web"),
            )
        except RolloutRefused as refused:
            if refused.field in form.fields:
                form.add_error(refused.field, str(refused.message))
            else:  # begun or withdrawn meanwhile: it is no longer in the list of planned roll-outs
                messages.error(request, str(refused.message))
        else:
            where = rollout.organisation.name if rollout.organisation else _("all organisations")
            messages.success(
                request,
                _("Withdrawn: %(version)s in %(where)s from %(date)s. The version in force stays.")
                % {
                    "version": _version_text(rollout.process_version),
                    "where": where,
                    "date": rollout.valid_from.strftime("%d-%m-%Y"),
                },
            )
            return redirect("workprocesses:rollouts")
    if form.errors:
        messages.error(request, NOTHING_STORED)
    form_to_roll_out = RolloutForm(initial={"valid_from": timezone.localdate()})
    return _rollouts_page(request, form_to_roll_out, withdrawing=(pk, form), status=422)


@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_work_cases(user):
        listed(actor=user, object_type="case", purpose=CASE_LIST_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    overdue_only = request.GET.get("te_laat") == "1"
    near_only = request.GET.get("bijna") == "1" and not overdue_only
    closed = request.GET.get("afgesloten") == "1"
    found = (
        case_closed_list(user=user)
        if closed
        else case_open_list(user=user, overdue_only=overdue_only, near_only=near_only)
    )
    cases = list(found[:200])
    listed(
        actor=user,
        object_type="case",
        purpose=CASE_LIST_PURPOSE,
        origin=origin,
        detail={"count": len(cases), "closed": closed},
    )
    rows = [case_view(case, user) for case in cases]
    # What each case is about, its persons named as the desks' lists name them for this user (not the
    # names its title was written with when it opened).
    headings = case_headings(cases, user=user)
    return render(
        request,
        "workprocesses/case_list.html",
        {
            "rows": [(row, headings[row.case.pk]) for row in rows],
            "overdue_only": overdue_only,
            "near_only": near_only,
            "closed": closed,
            "may_open": bool(_processes_for(user)),
            "unit_processes": [] if closed else unit_processes(user),
        },
    )


def _processes_for(user: User) -> list[tuple[str, str]]:
    kind = user.organisation.kind if user.organisation else ""
    choices: dict[str, str] = {}
    for pv in ProcessVersion.objects.all():
        definition = definition_of(pv)
        if definition.opened_by_desk:
            continue  # opened by its desk only (a case of it without the desk's side would be stranded)
        if kind in definition.organisation_kinds and set(user.role_codes) & set(definition.roles):
            choices.setdefault(pv.process, data_text(definition.label).split(" (")[0])
    return sorted(choices.items())


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_work_cases(user) or user.organisation is None or not _processes_for(user):
        raise PermissionDenied  # e.g. Veilig Thuis: its cases are opened by the notifications
    form = CaseOpenForm(request.POST or None, processes=_processes_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            case = case_open(
                process=form.cleaned_data["process"],
                organisation=user.organisation,
                title=form.cleaned_data["title"],
                actor=user,
            )
        except NoProcessVersion:
            form.add_error("process", _("No version of this work process runs in your organisation today."))
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("workprocesses:case-detail", pk=case.pk)
    return render(
        request,
        "workprocesses/case_new.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


def _added_registrations(event: CaseEvent, shown: dict[int, str], counted: Collection[int]) -> list[str]:
    """The registrations a "registration added" line added: by reference those the user may see (`shown`,
    pk -> reference), those the sharing rules count for them (`counted`, `Sight.hidden`) counted, never
    named; any other not mentioned at all."""
    added = [pk for pk in event.detail.get("registrations") or [] if isinstance(pk, int)]
    named = [shown[pk] for pk in added if pk in shown]
    hidden = sum(1 for pk in added if pk not in shown and pk in counted)
    parts = [", ".join(named)] if named else []
    if hidden:
        parts.append(
            ngettext("%(n)s registration you may not see", "%(n)s registrations you may not see", hidden)
            % {"n": hidden}
        )
    return parts


def _details(
    event: CaseEvent,
    definition: Definition,
    names: dict[str, str],
    shown: dict[int, str] | None = None,
    counted: Collection[int] = (),
    holder_moved: bool = False,
    note: str | None = None,
) -> list[str]:
    """What an event changed, in parts the page joins with a dot: states, values, people, the reason; for
    registrations added, which (`shown`: those the user may see, pk -> reference; `counted`: those they may
    not see but are told of, counted). `holder_moved`: a line that gave back what its holder held was written
    when they moved to another unit, not when deactivated. `note`: the line's note as it reads for this
    reader where a desk says so (`labels.history_notes_for_reader`; "" for none)."""
    parts = []
    if event.from_state and (not event.to_state or event.to_state == event.from_state):
        # An escalation, a note, a registration added: the case stayed where it was ("Nieuw", not
        # "Nieuw → Nieuw").
        parts.append(f"{_('State')}: {state_label(definition, event.from_state)}")
    elif event.to_state:
        before = state_label(definition, event.from_state) if event.from_state else "—"
        moved = f"{before} → {state_label(definition, event.to_state)}"
        if event.kind in (EventKind.PROPOSED, EventKind.DECLINED):  # not taken: what it would have done
            moved = _("would go %(states)s") % {"states": moved}
        parts.append(moved)
    if event.kind == EventKind.REGISTRATION:
        parts += _added_registrations(event, shown or {}, counted)
    parts += [
        f"{label}: {value}"
        for label, value in (
            value_label(definition, k, v) for k, v in (event.detail.get("values") or {}).items()
        )
    ]
    if not event.detail.get("lapsed"):  # a lowering proposed, confirmed or declined: from what, to what
        if event.kind == EventKind.PROPOSED:
            lowering = _("lowering proposed: %(field)s from %(before)s to %(after)s")
        elif event.kind == EventKind.DECLINED:
            lowering = _("lowering declined: %(field)s stays %(before)s, not %(after)s")
        else:
            lowering = _("%(field)s lowered from %(before)s to %(after)s")
        parts += [
            lowering % {"field": row["field"], "before": row["from"], "after": row["to"]}
            for row in lowered_rows(definition, event.detail)
        ]
    person_from, person_to = (str(event.detail.get(k) or "") for k in ("from", "to"))
    if event.detail.get("left") and holder_moved:  # given back when its holder moved to another unit
        parts.append(
            _("%(who)s (moved to another unit) → nobody: back in the unit's queue")
            % {"who": names.get(person_from) or person_from}
            if event.kind == EventKind.OWNER
            else _("%(who)s (moved to another unit) → nobody")
            % {"who": names.get(person_from) or person_from}
        )
    elif event.detail.get("left"):  # given back when its holder was deactivated
        parts.append(
            _("%(who)s (deactivated) → nobody: back in the unit's queue")
            % {"who": names.get(person_from) or person_from}
            if event.kind == EventKind.OWNER
            else _("%(who)s (deactivated) → nobody") % {"who": names.get(person_from) or person_from}
        )
    elif person_from or person_to:
        parts.append(f"{names.get(person_from) or '—'} → {names.get(person_to) or '—'}")
    proposer, confirmer = (str(event.detail.get(k) or "") for k in ("proposed_by", "confirmed_by"))
    if proposer and confirmer:  # the actor is the one who confirmed: name who proposed the step too
        parts.append(
            _("proposed by %(proposer)s, confirmed by %(confirmer)s")
            % {"proposer": names.get(proposer, proposer), "confirmer": names.get(confirmer, confirmer)}
        )
    elif proposer:
        parts.append(_("proposed by %(proposer)s") % {"proposer": names.get(proposer, proposer)})
    escalated_to = str(event.detail.get("escalate_to") or "")
    if escalated_to:  # whom the escalation alerted: the team lead's line and the chain contact's differ
        role = str(Role(escalated_to).label) if escalated_to in Role.values else escalated_to
        parts.append(_("alerted: %(role)s") % {"role": role.lower()})
    if event.detail.get("awaiting_second"):  # a desk stored something a second person must confirm
        parts.append(_("waiting for a second person"))
    lapsed = str(event.detail.get("lapsed") or "")
    if lapsed:  # a desk's step that waited for a second person was overtaken (e.g. by a newer screening)
        parts.append(_("no longer waits for a second person: %(step)s") % {"step": stored_step_text(lapsed)})
    beside = str(event.detail.get("beside_waiting") or "")
    if beside:  # a desk's implied step taken while a proposal waited, which waits on
        parts.append(_("beside the proposal that waits: %(step)s") % {"step": stored_step_text(beside)})
    desk_note = desk_note_shown(event.detail)
    if desk_note:  # what a desk added to a step's line (signals.case_stepping), in the reader's language
        parts.append(desk_note)
    settled = event.detail.get(ALERTS_SETTLED)
    if isinstance(settled, int) and settled:  # alerts whose reason the line took away
        parts.append(
            ngettext(
                "%(n)s alert settled: its reason no longer holds",
                "%(n)s alerts settled: their reason no longer holds",
                settled,
            )
            % {"n": settled}
        )
    if note is not None:
        parts += [note] if note else []
    elif event.reason:
        parts.append(history_note(event.reason, event.detail))
    return parts


def _confirm_form(case: Case, data: Any = None) -> ConfirmForm:
    """The second person's confirmation; it asks for the box when the waiting step ends the case."""
    definition = definition_of(case.process_version)
    step = definition.transition(case.pending["transition"]) if case.pending else None
    final = bool(step and definition.states[step.to].final)
    return ConfirmForm(
        data,
        initial={"lock_version": case.lock_version},
        definition=definition,
        final=final,
        prefix="confirm",
    )


def _history(
    case: Case, user: User, shown: dict[int, str] | None = None, counted: Collection[int] = ()
) -> list[dict[str, Any]]:
    """The case's history lines as `user` may read them; `shown`: the registrations of the case the user may
    see (pk -> reference), named on the lines that added them; `counted`: those they may not see that the
    sharing rules count for them, counted on those lines (any other is not mentioned); a note a desk words
    per reader as it says (`history_notes_for_reader`)."""
    definition = definition_of(case.process_version)
    events = list(case.events.all())
    notes = history_notes_for_reader(case, events, user)
    events = [event for event in events if event.pk not in notes or notes[event.pk] is not None]
    people = {e.actor_name for e in events}
    for event in events:
        people |= {str(event.detail.get(k) or "") for k in ("from", "to", "confirmed_by", "proposed_by")}
    names = people_names(people)
    left = [(str(e.detail.get("from") or ""), e.at) for e in events if e.detail.get("left")]
    moved = moves_at(left)
    rows = []
    for event in events:
        rows.append(
            {
                "event": event,
                # What a desk recorded as the desk names it (translated), else the kind of line.
                "what": _(str(event.detail["what"]))
                if event.kind == EventKind.RECORDED and event.detail.get("what")
                else event.get_kind_display(),
                # A step of the process by its label; a desk's own step (e.g. a lowered screening level a
                # second person declined) as the desk named it.
                "step": step_label(definition, event.transition)
                if event.transition and definition.transition(event.transition)
                else stored_step_text(str(event.detail.get("step") or "")),
                "version": event.process_version.rsplit(" v", 1)[-1],
                "who": names.get(event.actor_name, event.actor_name),
                "details": _details(
                    event,
                    definition,
                    names,
                    shown,
                    counted,
                    holder_moved=(str(event.detail.get("from") or ""), event.at) in moved,
                    note=notes.get(event.pk),
                ),
            }
        )
    return rows


def _detail_context(request: HttpRequest, case: Case, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    user = _user(request)
    view = case_view(case, user)
    initial = {"lock_version": case.lock_version}
    bound = bound or {}
    # A step that waits for something a desk records is said to wait, with what for, not offered as a form.
    waiting = (
        {} if case.pending else {t.name: why for t in view.transitions if (why := step_waiting(case, t.name))}
    )
    step_forms = [
        bound.get(t.name)
        or TransitionForm(
            initial=initial,
            definition=view.definition,
            transition=t,
            recorded=case.data,
            reason_required=reason_required(case, t.name),
        )
        for t in view.transitions
        if not (case.pending) and t.name not in waiting
    ]
    for form in step_forms:
        form.note = step_note(case, form.transition.handoff, form.transition.name)
    colleagues = case_colleagues(case)
    pending_step = view.definition.transition(case.pending["transition"]) if case.pending else None
    listed_registrations = _registrations(case, user, request_origin(request, "web"))
    return {
        "view": view,
        "case": case,
        "case_noun": case_noun(case),
        # The persons as the page's own list of them names them (read under the case as purpose).
        "heading": case_heading(case, user=user, purposed=True),
        "step_forms": step_forms,
        "withheld": _withheld(case, view.withheld),
        "waiting_steps": [
            {"name": t.name, "label": data_text(t.label), "why": waiting[t.name]}
            for t in view.transitions
            if t.name in waiting
        ],
        **_assign_offers(case, user, initial, colleagues, bound),
        "note_form": bound.get("note") or NoteForm(initial=initial, prefix="note"),
        "registration_form": bound.get("registration")
        or RegistrationAddForm(
            initial=initial, prefix="registration", prefix_example=case.organisation.reference_prefix
        ),
        "decline_form": bound.get("decline") or DeclineForm(initial=initial, prefix="decline"),
        "confirm_form": bound.get("confirm") or _confirm_form(case),
        "withdraw_form": LockedForm(initial=initial, prefix="withdraw"),
        "may_withdraw": bool(case.pending and case.pending.get("by") == user.pk),
        **_reopen(case, user, view.definition, initial, bound),
        "pending_step": pending_step,
        # What the waiting step waits for before it can be confirmed (a desk's rule the case no longer meets,
        # e.g. it became acute since a close without action was proposed); "" when it can be.
        "pending_waiting": step_waiting(case, str(case.pending.get("transition") or ""))
        if case.pending
        else "",
        "pending_by": people_names({str((case.pending or {}).get("by_name") or "")}).get(
            str((case.pending or {}).get("by_name") or ""), ""
        ),
        "pending_values": [
            value_label(view.definition, k, v) for k, v in ((case.pending or {}).get("values") or {}).items()
        ],
        "may_confirm": _may_confirm(case, user),
        # A lowering waiting for a role (e.g. the urgency, for a team lead): what from what to what, and who.
        "pending_lowered": lowered_rows(view.definition, case.pending or {}),
        "pending_role": _role_label(str((case.pending or {}).get("confirm_role") or "")),
        # What the steps recorded, as the definition names it (a desk shows its own values in its panel).
        "data_values": [
            value_label(view.definition, k, v) for k, v in case.data.items() if k in view.definition.fields
        ],
        "history": _history(
            case,
            user,
            {r.pk: r.reference for r in listed_registrations["registrations"]},
            listed_registrations["hidden_ids"],
        ),
        "handoffs": list(case.handoffs.select_related("created_by", "taken_by")),
        "panels": case_panels(request, case),
        "desk": case_desk(case, user),
        "alerts": [
            {"alert": alert, "text": alert_text(alert)}
            for alert in alert_list_for_user(user=user).filter(case=case).order_by("-created_at", "-id")[:20]
        ],
        **listed_registrations,
    }


def _assign_offers(
    case: Case, user: User, initial: dict[str, Any], colleagues: Any, bound: dict[str, Any]
) -> dict[str, Any]:
    """The forms to assign the owner and the victim's contact person (`_assign_offer`), the colleagues'
    absences read once for both."""
    offered = [a for a in ("owner", "contact") if a not in bound and may_hand_over(case, _FIELDS[a], user)]
    listed = list(colleagues) if offered else []  # read once for both forms and the absences
    absences = absences_on(listed, on=timezone.localdate()) if offered else {}
    found: dict[str, Any] = {}
    for action in ("owner", "contact"):
        found |= _assign_offer(case, action, initial, colleagues, bound, absences, action in offered, listed)
    return found


_FIELDS = {"owner": "owner", "contact": "victim_contact"}


def _assign_offer(
    case: Case,
    action: str,
    initial: dict[str, Any],
    colleagues: Any,
    bound: dict[str, Any],
    absences: dict[int, Any],
    offered: bool,
    listed: list[User] | None = None,
) -> dict[str, Any]:
    """The form to assign the owner (`action` "owner") or the victim's contact person ("contact"), only when
    the kernel would take it from this user (`offered`: `may_hand_over`); otherwise who holds it and who may
    hand it over, as a sentence. The colleagues recorded absent today are marked in the list (a hand-over
    to them is refused)."""
    field = _FIELDS[action]
    if action in bound:
        return {f"{action}_form": bound[action], f"{action}_held": ""}
    if offered:
        form = AssignForm(
            initial={**initial, "person": getattr(case, f"{field}_id")},
            colleagues=colleagues,
            absences=absences,
            listed=listed,
            prefix=action,
        )
        return {f"{action}_form": form, f"{action}_held": ""}
    holder = getattr(case, field)
    names = {"name": holder.display_name, "lead": queue_lead_label(case)}
    if field == "owner":
        text = (
            _("%(name)s has this: only they, a team lead or %(lead)s can hand it over.")
            if names["lead"]
            else _("%(name)s has this: only they or a team lead can hand it over.")
        )
    else:
        text = (
            _(
                "%(name)s is the victim's contact person: only they, the case's owner, a team lead or "
                "%(lead)s can change this."
            )
            if names["lead"]
            else _(
                "%(name)s is the victim's contact person: only they, the case's owner or a team lead can "
                "change this."
            )
        )
    return {f"{action}_form": None, f"{action}_held": text % names}


def _roles_text(roles: list[str]) -> str:
    """Roles as a sentence names them: "casusregisseur of teamleider"."""
    labels = [_role_label(role) for role in roles]
    if len(labels) < 2:
        return "".join(labels)
    return _("%(first)s or %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def _withheld(case: Case, steps: list[Transition]) -> list[dict[str, str]]:
    """The steps of the process the user may not take now, each with who may: the case's owner by name when
    they hold a role of the step (and the other roles that may), else the roles."""
    if case.pending:
        return []  # nothing is taken while a step waits for a second person
    owner = case.owner if case.owner is not None and case.owner.is_active else None
    rows = []
    for step in steps:
        roles = list(step.roles)
        if owner is not None and owner.has_role(*roles):
            others = [role for role in roles if not owner.has_role(role)]
            name = owner.display_name
            text = (
                _("Only the owner of the case can take this step: %(owner)s (or a %(roles)s).")
                % {"owner": name, "roles": _roles_text(others)}
                if others
                else _("Only the owner of the case can take this step: %(owner)s.") % {"owner": name}
            )
        else:
            text = _("Only a %(roles)s can take this step.") % {"roles": _roles_text(roles)}
        rows.append({"name": step.name, "label": data_text(step.label), "who": text})
    return rows


def _may_confirm(case: Case, user: User) -> bool:
    """Whether the user may answer the waiting step: never its proposer; a lowering only a user of the role
    that confirms it in the case's organisation (as `services.case_confirm` holds)."""
    pending = case.pending or {}
    if not pending or pending.get("by") == user.pk:
        return False
    role = str(pending.get("confirm_role") or "")
    return not role or (user.organisation_id == case.organisation_id and user.has_role(role))


def _role_label(role: str) -> str:
    return str(Role(role).label).lower() if role in Role.values else role


def _reopen(
    case: Case, user: User, definition: Definition, initial: dict[str, Any], bound: dict[str, Any]
) -> dict[str, Any]:
    """A closed case, to a team lead of its organisation in a process that has one: the form to open it
    again, and where it goes back to (the state before the step that closed it)."""
    if not may_reopen(case, user):
        return {"reopen_form": None, "reopen_hint": _reopen_hint(case, definition)}
    closing = closing_step(case)
    step = definition.transition(closing.transition) if closing else None
    return {
        "reopen_form": bound.get("reopen") or ReopenForm(initial=initial, prefix="reopen"),
        "reopen_to": state_label(definition, closing.from_state) if closing else "",
        "reopen_undoes": data_text(step.label) if step else "",
    }


def _reopen_hint(case: Case, definition: Definition) -> str:
    """For a closed case the user may not reopen: who can (a team lead of its organisation, by name), or
    that a closed case of its process is not reopened."""
    if case.closed_at is None:
        return ""
    if not reopenable(definition):
        return _("A closed case of this work process cannot be reopened.")
    organisation = case.organisation.name
    names = names_with_role(case.organisation_id, REOPEN_ROLE)
    if not names:
        return _(
            "Only a team lead of %(organisation)s can reopen this closed case, and it has none in Ketenzicht."
        ) % {"organisation": organisation}
    return _(
        "Only a team lead of %(organisation)s can reopen this closed case, for instance when new information "
        "came in: ask %(names)s."
    ) % {"organisation": organisation, "names": ", ".join(names)}


def _registrations(case: Case, user: User, origin: str = "") -> dict[str, Any]:
    """The registrations the case concerns that the user may see, read with the case as their purpose (so
    a screener or case owner sees those of other police units too, under the sharing rules' `needs_purpose`),
    logged with it; the others counted, never named, as far as the sharing rules count them for the user
    (`counted`: for the police another unit's police registrations, never another organisation's)."""
    ids = sorted(case_registration_ids(case))
    sight = registration_sight_for_user(user=user, ids=ids, purposed=True)
    visible = list(
        registration_list_for_user(user=user, purposed=True)
        .filter(pk__in=sight.visible)
        .order_by("registered_at")
    )
    if visible:
        registration_list_logged(
            user=user,
            origin=origin,
            purpose=case_purpose_log(case.reference),
            detail={**case_purpose_detail(case), "registrations": [r.pk for r in visible]},
            shown=visible,
        )
    return {
        "registrations": visible,
        "purpose_query": f"{CASE_PARAM}={case.pk}",  # the links carry the case as their purpose
        "hidden_groups": sight.hidden_groups(),
        "hidden": len(sight.hidden),
        "hidden_ids": set(sight.hidden),
    }


def _registrations_by_reference(
    request: HttpRequest, case: Case, form: RegistrationAddForm
) -> list[Registration]:
    """The registrations the form's reference names that the user may see, looked up with the case as the
    purpose and logged so; none (the form says so, the refusal logged once): none exists or the user may
    see none, the same answer either way."""
    user, origin = _user(request), request_origin(request, "web")
    purpose = case_purpose_log(case.reference)
    try:
        found = registration_by_reference_for_user(
            user=user,
            reference=form.cleaned_data["reference"],
            origin=origin,
            purpose=purpose,
            purposed=True,
        )
    except NotVisible:
        form.add_error("reference", _("No registration with this reference that you may see."))
        return []
    registration_list_logged(
        user=user,
        origin=origin,
        purpose=purpose,
        detail={**case_purpose_detail(case), "registrations": [r.pk for r in found], "to_add": True},
        shown=found,
    )
    return found


def _get_case(request: HttpRequest, pk: int) -> Case:
    """The case, or NotVisible (logged once): the one 404 for missing and forbidden."""
    return case_get_for_user(user=_user(request), pk=pk, origin=request_origin(request, "web"))


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, _get_case(request, pk), opened=True)


def _case_page(
    request: HttpRequest,
    case: Case,
    bound: dict[str, Any] | None = None,
    status: int = 200,
    *,
    opened: bool = False,
) -> HttpResponse:
    """The case page (`opened`: as the user opens it, the case's read logged; else as a refused form shows
    it again). What the page reads from several places (the case's persons, its screening case, the persons'
    names) is read once for it; the reads it shows are logged together at the end (each entry as ever)."""
    with page_reads(case, _user(request)):
        with access_log_together():
            if opened:  # the case page is the case's work: its purpose is the case (queue, list or link)
                read(
                    actor=_user(request),
                    object_type="case",
                    object_id=case.pk,
                    origin=request_origin(request, "web"),
                    purpose=case_purpose_log(case.reference),
                    detail=case_purpose_detail(case),
                    persons=case_person_ids(case),  # the persons the case page names
                )
            context = _detail_context(request, case, bound)
        return render(request, "workprocesses/case_detail.html", context, status=status)


def case_page_refused(request: HttpRequest, case: Case, status: int = 422) -> HttpResponse:
    """The case page again, as a desk's form posted from one of its panels was refused (422; 409 when the
    case changed meanwhile): the panel shows what its desk kept of the input, with the errors at their
    fields; nothing was stored."""
    case.refresh_from_db()
    return _case_page(request, case, status=status)


def _step_named(step: str, text: str | Promise, form: str | Promise = "") -> str:
    """A refusal on top of a case page, which holds a form for each step and more: named by its step, if
    any, else by the form it refuses (its button's words: "Eigenaar toewijzen: …")."""
    if step:
        return _("Step '%(step)s': %(text)s") % {"step": step, "text": text}
    return _("%(form)s: %(text)s") % {"form": form, "text": text} if form else str(text)


# The forms of a case page other than its steps, by their action: named by their buttons' words when a
# refusal on top of the page says which form it refuses.
_FORM_NAMES: dict[str, Promise] = {
    "owner": gettext_lazy("Assign owner"),
    "contact": gettext_lazy("Assign contact person"),
    "registration": gettext_lazy("Add a registration to this case"),
    "note": gettext_lazy("Add a note"),
    "reopen": gettext_lazy("Reopen the case"),
}


@require_http_methods(["POST"])
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One POST road for every change of a case; `action` says which."""
    user = _user(request)
    case = _get_case(request, pk)
    action = request.POST.get("action", "")
    definition = definition_of(case.process_version)
    bound: dict[str, Any] = {}
    step = ""  # the step a step's form, or a confirmation's, is about: the banner of a refusal names it
    named = _FORM_NAMES.get(action, "")  # else the form, by its button's words
    if action in ("confirm", "decline", "withdraw") and case.pending:
        pending = definition.transition(str(case.pending.get("transition", "")))
        step = data_text(pending.label) if pending else ""
    try:
        if action == "take":
            transition = definition.transition(request.POST.get("transition", ""))
            if transition is None:
                raise Refused("unknown")
            step = data_text(transition.label)
            form: Any = TransitionForm(
                request.POST,
                definition=definition,
                transition=transition,
                recorded=case.data,
                reason_required=reason_required(case, transition.name),
            )
            bound[transition.name] = form
            if form.is_valid():
                taken = case_take(
                    case,
                    transition.name,
                    actor=user,
                    expected_version=form.cleaned_data["lock_version"],
                    values=form.values(),
                    reason=form.cleaned_data["reason"],
                )
                done = _("Step taken: %(step)s.") % {"step": data_text(transition.label)}
                if taken.pending and taken.pending.get("confirm_role"):
                    done = _(
                        "Step proposed: %(step)s. It lowers %(what)s, so a %(role)s must confirm it; until "
                        "then the case keeps what it had."
                    ) % {
                        "step": data_text(transition.label),
                        "what": ", ".join(
                            row["field"].lower() for row in lowered_rows(definition, taken.pending)
                        ),
                        "role": _role_label(str(taken.pending["confirm_role"])),
                    }
                elif taken.pending:
                    done = _("Step proposed: %(step)s. A second person must confirm it.") % {
                        "step": data_text(transition.label)
                    }
                messages.success(request, done)
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action in ("owner", "contact"):
            colleagues = case_colleagues(case)
            form = AssignForm(
                request.POST,
                colleagues=colleagues,
                absences=absences_on(colleagues, on=timezone.localdate()),
                prefix=action,
            )
            bound[action] = form
            if form.is_valid():
                case_assign(
                    case,
                    "owner" if action == "owner" else "victim_contact",
                    person=form.cleaned_data["person"],
                    actor=user,
                    expected_version=form.cleaned_data["lock_version"],
                    reason=form.cleaned_data["reason"],
                )
                person = form.cleaned_data["person"]
                holds = {"name": person.display_name, "case": case.reference}
                if action == "owner":
                    messages.success(request, _("%(name)s now owns case %(case)s.") % holds)
                else:
                    messages.success(
                        request,
                        _("%(name)s is now the victim's fixed contact person in case %(case)s.") % holds,
                    )
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "confirm":
            form = _confirm_form(case, request.POST)
            bound["confirm"] = form
            if form.is_valid():
                case_confirm(case, actor=user, expected_version=form.cleaned_data["lock_version"])
                messages.success(request, _("Step confirmed."))
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "withdraw":
            form = LockedForm(request.POST, prefix="withdraw")
            if form.is_valid():
                case_withdraw(case, actor=user, expected_version=form.cleaned_data["lock_version"])
                messages.success(request, _("Proposal withdrawn: the case is as it was."))
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "decline":
            form = DeclineForm(request.POST, prefix="decline")
            bound["decline"] = form
            if form.is_valid():
                case_decline(
                    case,
                    actor=user,
                    expected_version=form.cleaned_data["lock_version"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Proposed step declined."))
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "reopen":
            form = ReopenForm(request.POST, prefix="reopen")
            bound["reopen"] = form
            if form.is_valid():
                case_reopen(
                    case,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["lock_version"],
                )
                messages.success(request, _("Case reopened."))
                return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "registration":
            form = RegistrationAddForm(
                request.POST, prefix="registration", prefix_example=case.organisation.reference_prefix
            )
            bound["registration"] = form
            if form.is_valid():
                added = _registrations_by_reference(request, case, form)
                if added:
                    case_add_registrations_by_user(
                        case, added, actor=user, expected_version=form.cleaned_data["lock_version"]
                    )
                    messages.success(
                        request,
                        _("Registration %(reference)s added to the case.")
                        % {"reference": form.cleaned_data["reference"].strip()},
                    )
                    return redirect("workprocesses:case-detail", pk=case.pk)
        elif action == "note":
            form = NoteForm(request.POST, prefix="note")
            bound["note"] = form
            if form.is_valid():
                case_note(
                    case,
                    text=form.cleaned_data["text"],
                    actor=user,
                    expected_version=form.cleaned_data["lock_version"],
                )
                messages.success(request, _("Note added."))
                return redirect("workprocesses:case-detail", pk=case.pk)
        else:
            raise Refused("unknown")
    except ConcurrentEdit:
        case.refresh_from_db()
        messages.error(request, concurrent_text(case, user))
        for form in bound.values():  # keep what the user typed, on the current version of the case
            if form.is_bound:
                data = form.data.copy()
                data[form.add_prefix("lock_version")] = str(case.lock_version)
                form.data = data
        return _case_page(request, case, bound, status=409)
    except Refused as refusal:
        if refusal.code == "handover":  # named: who may hand it over, the desk's queue lead among them
            refusal.params = {**refusal.params, "lead": queue_lead_label(case)}
        said = refusal.said or refusal_text(refusal.code, refusal.detail, definition, case, refusal.params)
        at_field = [form for form in bound.values() if isinstance(form, (AssignForm, RegistrationAddForm))]
        # An assignment's refusal at its own form's field (the owner's and the contact's forms look alike), a
        # registration's at its reference; the top of the page says only where to look.
        messages.error(request, _step_named(step, NOTHING_STORED if at_field else said, named))
        # At a date's own field the refusal does not name the field again: its label is there, and the
        # message on top names it.
        beside = refusal.said or refusal_text(
            refusal.code, refusal.detail, definition, case, refusal.params, named=False
        )
        for form in bound.values():
            if isinstance(form, TransitionForm):
                form.mark_refusal(refusal.code, refusal.detail, beside)
            elif isinstance(form, AssignForm):
                form.mark_refusal(refusal.code, said)
            elif isinstance(form, RegistrationAddForm):  # said at the reference it refuses
                form.add_error("reference", said)
        case.refresh_from_db()
        return _case_page(request, case, bound, status=422)
    # A form with a mistake: the page opens at its top, so say there what was not stored and where.
    messages.error(request, _step_named(step, NOTHING_STORED, named))
    case.refresh_from_db()
    return _case_page(request, case, bound, status=422)
