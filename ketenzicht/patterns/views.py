"""The signals list of a police unit and one signal with its evidence, for case screeners and owners."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from ketenzicht.audit.services import request_origin

from .forms import SignalAssessForm, SignalCloseForm, SignalReopenForm
from .labels import change_before_text, change_text, reason_rows, rule_description, rule_label
from .models import CloseReason, SignalState
from .selectors import (
    may_see_signals,
    signal_changes_for_user,
    signal_evidence_for_user,
    signal_history,
    signal_list_for_user,
    signal_names_for_user,
    signal_reasons_for_user,
    signal_sight_for_user,
)
from .services import (
    ReopenRefused,
    StepRefused,
    signal_assess,
    signal_close,
    signal_list_logged,
    signal_open,
    signal_reopen,
)

PAGE_SIZE = 50
REFUSED = gettext_noop(
    "Not done: an assessment needs a note, closing needs a reason, and a closed signal takes no more steps."
)


def _require(request: HttpRequest) -> None:
    if not may_see_signals(request.user):  # type: ignore[arg-type]
        signal_list_logged(user=request.user, origin=request_origin(request, "web"), count=0, refused=True)  # type: ignore[arg-type]
        raise PermissionDenied


@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    active_only = request.GET.get("alle") != "1"  # by default the open signals that hold now
    signals = signal_list_for_user(user=request.user, active_only=active_only, open_only=active_only)  # type: ignore[arg-type]
    page = Paginator(signals, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    names = signal_names_for_user(user=request.user, signals=shown)  # type: ignore[arg-type]
    # Read without a purpose; a pair's registrations the user would see under one (police: every unit's) are
    # said to be in the dossier opened with one, apart from those the user may not see at all.
    sights = signal_sight_for_user(user=request.user, signals=shown, with_purpose=True)  # type: ignore[arg-type]
    changes = signal_changes_for_user(user=request.user, signals=shown)  # type: ignore[arg-type]
    rows = [
        {
            "signal": signal,
            "label": rule_label(signal.rule),
            "names": names.get(signal.pk, ([], [])),
            "sight": sights[signal.pk],
            "seen_by_me": any(s.user_id == request.user.pk for s in signal.seen.all()),
            "change": change_text(changes.get(signal.pk, {})),
            "before": change_before_text(changes.get(signal.pk, {})),
        }
        for signal in shown
    ]
    signal_list_logged(
        user=request.user,  # type: ignore[arg-type]
        origin=request_origin(request, "web"),
        count=len(rows),
        shown=list(page.object_list),
    )
    return render(
        request, "patterns/signal_list.html", {"page": page, "rows": rows, "active_only": active_only}
    )


@require_GET
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _detail(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    reopen_form: SignalReopenForm | None = None,
    assess_form: SignalAssessForm | None = None,
    close_form: SignalCloseForm | None = None,
) -> HttpResponse:
    # No role check first: a role that sees no signals gets the one 404 (NotVisible), logged once.
    signal = signal_open(user=request.user, pk=pk, origin=request_origin(request, "web"))  # type: ignore[arg-type]
    stepped = any(form is not None and form.is_bound for form in (assess_form, close_form))
    if stepped and signal.state == SignalState.CLOSED:  # closed in another tab meanwhile: no forms, say why
        messages.error(request, _(REFUSED))
    evidence = signal_evidence_for_user(user=request.user, signal=signal)  # type: ignore[arg-type]
    sight = signal_sight_for_user(user=request.user, signals=[signal])[signal.pk]  # type: ignore[arg-type]
    change = signal_changes_for_user(user=request.user, signals=[signal]).get(signal.pk, {})  # type: ignore[arg-type]
    return render(
        request,
        "patterns/signal_detail.html",
        {
            "signal": signal,
            "label": rule_label(signal.rule),
            "description": rule_description(signal.rule),
            "reasons": reason_rows(signal_reasons_for_user(user=request.user, signal=signal)),  # type: ignore[arg-type]
            "evidence": evidence,
            "sight": sight,
            "seen": list(signal.seen.select_related("user")),
            "history": signal_history(signal),
            "closed": signal.state == SignalState.CLOSED,
            # The desk re-opens what it closed; a withdrawn signal re-opens by itself when its rule holds.
            "reopen_form": (reopen_form or SignalReopenForm())
            if signal.state == SignalState.CLOSED and signal.closed_reason != CloseReason.WITHDRAWN
            else None,
            "assess_form": assess_form or SignalAssessForm(),
            "close_form": close_form or SignalCloseForm(),
            "change": change_text(change),
            "before": change_before_text(change),
        },
        status=status,
    )


@require_POST
def signal_act(request: HttpRequest, pk: int) -> HttpResponse:
    """The screening desk's steps on a signal: assess (with a note), close (with a reason) or re-open a
    closed one (with a reason)."""
    user, origin = request.user, request_origin(request, "web")
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    if action == "reopen":
        return _reopen(request, pk)
    if action == "assess":
        assess_form = SignalAssessForm(request.POST)
        if not assess_form.is_valid():  # said at the field; the typed close form is not involved
            return _detail(request, pk, status=422, assess_form=assess_form)
    elif action == "close":
        close_form = SignalCloseForm(request.POST)
        if not close_form.is_valid():
            return _detail(request, pk, status=422, close_form=close_form)
    try:
        if action == "assess":
            signal_assess(user=user, pk=pk, note=note, origin=origin)  # type: ignore[arg-type]
            messages.success(request, _("The signal is assessed."))
        elif action == "close":
            reason = close_form.cleaned_data["reason"]
            signal_close(user=user, pk=pk, reason=reason, note=note, origin=origin)  # type: ignore[arg-type]
            messages.success(request, _("The signal is closed."))
        else:
            raise StepRefused(action)
    except StepRefused:
        messages.error(request, _(REFUSED))
        return _detail(request, pk, status=422)
    return redirect("patterns:signal-detail", pk=pk)


def _reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-open a closed signal: an empty reason is refused at its field (422), a signal open already (a
    second tab) with a message (409); nothing is stored either way."""
    user, origin = request.user, request_origin(request, "web")
    form = SignalReopenForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        signal_reopen(user=user, pk=pk, reason=reason, origin=origin)  # type: ignore[arg-type]
    except ReopenRefused as refused:
        if refused.field == "reason":
            if form.is_valid():  # the field passed, the service did not: say why there
                form.add_error("reason", _(refused.message))
            return _detail(request, pk, status=422, reopen_form=form)
        messages.error(request, _(refused.message))
        return _detail(request, pk, status=409)
    messages.success(request, _("The signal is open again."))
    return redirect("patterns:signal-detail", pk=pk)
