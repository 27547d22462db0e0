"""The ZSM desk's panels on the kernel's case page (registered in apps.py): on a ZSM file, the file as the
partners fill it (the police's screening, Veilig Thuis's information, the partners' answers, the history of
the pair), the triage with its reasons, the complaint, and the forms the prosecutor works with; on a police
case, what the ZSM table decided."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ketenzicht.measures.models import Measure
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.patterns.labels import rule_label
from ketenzicht.screening.engine.instrument import Level
from ketenzicht.screening.labels import LEVELS
from ketenzicht.ui import formats
from ketenzicht.ui.forms import error_items
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.labels import data_text, state_label, value_label
from ketenzicht.workprocesses.models import Case

from .facts import Counts, counts_for_user
from .forms import ROUTES, ComplaintForm, RequestForm, TriageForm
from .kept import form_again, input_kept
from .labels import DANGER_LABELS, ROUTE_LABELS, answer_rows, reason_label
from .models import Side, ZsmFile
from .selectors import file_of, file_requests, may_use_zsm_desk
from .services import QUESTION_ANSWER, triage_for_reader

TRIAGE_STATES = ("assembling", "at_zsm")


def _vt_rows(file: ZsmFile) -> list[dict[str, Any]]:
    rows = []
    notifications = (
        notifications_about(file.police_case_id, file.case.registrations.values("pk"))
        .select_related("organisation", "case", "case__process_version")
        .order_by("received_at")
    )
    for n in notifications:
        fields = definition_of(n.case.process_version).fields
        rows.append(
            {
                "organisation": n.organisation.name,
                "reference": n.case.reference,
                "received": timezone.localtime(n.received_at),
                "unsafety": data_text(fields["unsafety"].choices.get(n.unsafety, "")) if n.unsafety else "",
                "outcome": data_text(fields["outcome"].choices.get(n.outcome, "")) if n.outcome else "",
                "conditions": str(n.case.data.get("safety_conditions") or ""),
            }
        )
    return rows


def _triage_form(file: ZsmFile, kept: Any, suggested: str | None) -> forms.Form:
    """The triage form: once a route is chosen, only the other routes are offered (the process has no step
    from a route to itself), the suggestion checked only when it is one of them."""
    form = form_again(TriageForm, kept, {"route": suggested if suggested != file.route else None})
    if file.route:
        cast(forms.ChoiceField, form.fields["route"]).choices = [c for c in ROUTES if c[0] != file.route]
    return form


def _screening_value(name: str, value: str, process_version: Any) -> str:
    """A value of the police case in words: the screening level by the instrument's words, others as the
    process defines them."""
    if name == "screening_level" and value in Level.__members__.values():
        return str(capfirst(LEVELS.get(Level(value), value)))  # "High concern", as the police case says
    return value_label(definition_of(process_version), name, value)[1]


def _own_orders(file: ZsmFile) -> list[dict[str, Any]]:
    """The protective measures decided in this file, with their breaches so far."""
    return [
        {"pk": m.pk, "reference": m.reference, "ends_on": m.ends_on, "breaches": m.breach_count}
        for m in Measure.objects.filter(source_case_id=file.pk)
        .annotate(breach_count=Count("breaches"))
        .order_by("starts_on", "pk")
    ]


def _history_rows(file: ZsmFile, counts: Counts) -> dict[str, Any]:
    """The suspect's protective measures and breaches beside this file (facts.suspect_history), counted
    over what the user may see (`counts`: the measures of their district office, the registrations the
    sharing rules show them). Of what they may not see nothing, not even "fewer than 5": a count of another
    organisation's measures or registrations is as protected as they are (docs/reference/sharing-rules.md,
    docs/decisions/0013-zsm-triage-over-what-its-readers-see.md)."""
    seen = counts.history_seen
    return {
        "pair": str(counts.pair_seen),
        "incident": seen.incident,
        "earlier": str(seen.earlier),
        "in_force": str(seen.in_force),
        "breaches": str(seen.breaches),
    }


def _request_rows(file: ZsmFile) -> list[dict[str, Any]]:
    """Each request with its state in words (composed here: a file may hold dozens)."""
    now = timezone.now()
    about = {Side.VICTIM: _("about the victim"), Side.SUSPECT: _("about the suspect")}
    answered_text, late_text = _("answered on %(when)s by %(by)s"), _("no answer, was due by %(due)s")
    waiting_text = _("waiting, due by %(due)s")
    withdrawn_text = _("withdrawn on %(when)s: the file was decided without this answer")
    rows = []
    for r in file_requests(file):
        late = r.late(now)
        if r.answered_at:
            when = f"{timezone.localtime(r.answered_at):%d-%m-%Y %H:%M}"
            state = answered_text % {"when": when, "by": r.answered_by_name}
        elif r.withdrawn_at:
            state = withdrawn_text % {"when": f"{timezone.localtime(r.withdrawn_at):%d-%m-%Y %H:%M}"}
        else:
            state = (late_text if late else waiting_text) % {"due": formats.deadline(r.due_at)}
        rows.append(
            {
                "partner": r.organisation.name,  # a proper name: as registered, in either language
                "about": about.get(Side(r.side), r.side),
                "question": r.question,
                "question_answer": str(r.answer.get(QUESTION_ANSWER) or ""),
                "state": state,
                "answered": r.answered_at is not None,
                "withdrawn": r.answered_at is None and r.withdrawn_at is not None,
                "late": late,
                "answer": answer_rows(r.partner, r.answer),
            }
        )
    return rows


def file_panel(request: HttpRequest, case: Case) -> SafeString | None:
    user: User = request.user  # type: ignore[assignment]
    if case.process_version.process != "zsm_file" or not may_use_zsm_desk(user):
        return None
    file = file_of(case)
    if file is None:
        return None
    definition = definition_of(case.process_version)
    police = file.police_case
    police_fields = definition_of(police.process_version).fields
    screening = [
        (data_text(police_fields[name].label), _screening_value(name, str(value), police.process_version))
        for name in (
            "urgency",
            "urgency_provisional",
            "stalking_indication",
            "screening_level",
            "safety_agreements",
        )
        if name in police_fields and (value := police.data.get(name))
    ]
    requests = _request_rows(file)
    open_case = case.closed_at is None
    kept = input_kept(request, file.pk)  # what a refused form held, shown again
    counts = counts_for_user(file, user)
    # The pair's signals as far as the prosecutor may see what they rest on (the file's disclosures): the
    # same the triage reads for this reader.
    signals = sorted(counts.signals)
    history = _history_rows(file, counts)
    # The triage as this reader may hold it: over what they may see or count, never over more.
    triage = triage_for_reader(file, counts)
    vt_state = case.data.get("vt_information", "")
    context: dict[str, Any] = {
        "case": case,
        "file": file,
        "screening": screening,
        "vt_state": vt_state,
        "vt_label": data_text(definition.fields["vt_information"].choices.get(vt_state, ""))
        if vt_state
        else "",
        "vt_rows": _vt_rows(file),
        "requests": requests,
        "answered": sum(1 for r in requests if r["answered"]),
        "triage_route": ROUTE_LABELS.get(triage.get("route", ""), ""),
        "triage_danger": DANGER_LABELS.get(triage.get("danger", ""), ""),
        # A reason on a count the user may count but not see met (the sharing rules' `counted`) is said
        # without its count, beside the counts they may see (the history below).
        "triage_reasons": [reason_label(code, counts.seen()) for code in triage.get("reasons", [])],
        # The rules' version as published ("2026.12.1"), not its content stamp after the colon.
        "triage_version": str(triage.get("version", "")).split(":", 1)[0],
        "chosen_route": ROUTE_LABELS.get(file.route, ""),
        "triage_form": _triage_form(file, kept.get("TriageForm"), triage.get("route"))
        if open_case and case.state in TRIAGE_STATES
        else None,
        "complaint_form": form_again(ComplaintForm, kept.get("ComplaintForm"))
        if open_case and file.complaint_required and not case.data.get("complaint")
        else None,
        "complaint_on_file": case.data.get("complaint") == "on_file",
        "request_form": form_again(RequestForm, kept.get("RequestForm")) if open_case else None,
        "signals": [rule_label(name) for name in signals],
        "own_orders": _own_orders(file),
        "history": history,
        "decision": data_text(definition.fields["decision"].choices.get(file.decision, ""))
        if file.decision
        else "",
        "version": case.lock_version,
        "order_possible": open_case and case.state in ("at_zsm", "regular", "zvh"),
        "police_owner": police.owner.display_name if police.owner else "",
        # The triage changes with the answers still to come; once none is (answered, withdrawn, decided),
        # it no longer does.
        "triage_moves": open_case and any(not (r["answered"] or r["withdrawn"]) for r in requests),
    }
    for name in ("triage_form", "complaint_form", "request_form"):
        # The refused form's errors, summed up above it as on every form, each leading to its field.
        form = context[name]
        context[f"{name}_errors"] = error_items(form) if form is not None and form.is_bound else []
    return SafeString(render_to_string("prosecution/_file_panel.html", context, request=request))


def decision_panel(request: HttpRequest, case: Case) -> SafeString | None:
    """On a police case: the ZSM files its hand-offs opened, the prosecutor who has each, their route and
    decision."""
    if case.organisation.kind != OrganisationKind.POLITIE:
        return None
    files = list(
        ZsmFile.objects.filter(police_case=case).select_related(
            "case", "case__process_version", "district_office", "prosecutor"
        )
    )
    if not files:
        return None
    rows = []
    for file in files:
        definition = definition_of(file.case.process_version)
        rows.append(
            {
                "office": file.district_office.name,
                # Whom the police case's owner calls about it: the prosecutor who has the file.
                "prosecutor": file.prosecutor.display_name if file.prosecutor else "",
                "substitute": file.substitute,
                "reference": file.case.reference,
                "received": timezone.localtime(file.received_at),
                "state": state_label(definition, file.case.state),
                "route": ROUTE_LABELS.get(file.route, ""),
                "decision": data_text(definition.fields["decision"].choices.get(file.decision, ""))
                if file.decision
                else "",
                "decided": timezone.localtime(file.decided_at) if file.decided_at else None,
            }
        )
    return SafeString(render_to_string("prosecution/_decision_panel.html", {"rows": rows}, request=request))


def zsm_step_note(case: Case) -> str | None:
    """On the police case's step to the ZSM table: said before it is taken that a file still open takes the
    hand-off in (`services.file_open`), so that nobody expects a new file and a new prosecutor."""
    file = (
        ZsmFile.objects.filter(police_case=case, open=True, case__closed_at__isnull=True)
        .select_related("case", "prosecutor")
        .first()
    )
    if file is None:
        return None
    if file.prosecutor is None:
        return _(
            "ZSM file %(file)s of this case is still open: this hand-off adds the case's new information to "
            "it and opens no new file."
        ) % {"file": file.case.reference}
    return _(
        "ZSM file %(file)s of this case is still open with %(prosecutor)s: this hand-off adds the case's new "
        "information to it and opens no new file."
    ) % {
        "file": file.case.reference,
        "prosecutor": file.prosecutor.display_name,
    }
