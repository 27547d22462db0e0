"""Panels a desk adds to the kernel's case page, without the kernel importing the desk (imports point
down): a desk registers a function in its AppConfig.ready(); the case page renders what each returns for
the case (None: nothing to add, e.g. a case of another desk's process)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .models import Case

CasePanel = Callable[[HttpRequest, Case], SafeString | None]

_PANELS: dict[str, CasePanel] = {}


def register_case_panel(name: str, panel: CasePanel) -> None:
    """Add (or replace) the panel called `name`: shown on every case page it returns HTML for."""
    _PANELS[name] = panel


def case_panels(request: HttpRequest, case: Case) -> list[SafeString]:
    found = (panel(request, case) for panel in _PANELS.values())
    return [html for html in found if html]


# What a desk says on a step's form before it is taken, for steps that hand the case over to it (e.g. that a
# hand-off to the ZSM table joins a file still open rather than opening one): handoff kind -> function of
# the case returning the words, or None when there is nothing to say.
StepNote = Callable[[Case], str | None]

_STEP_NOTES: dict[str, StepNote] = {}


def register_step_note(handoff: str, note: StepNote) -> None:
    _STEP_NOTES[handoff] = note


# What a desk says on the steps of its own process before they are taken (e.g. that the chain partners have
# not answered a ZSM file yet): process -> function of the case and the step's name returning the words, or
# None when there is nothing to say.
ProcessStepNote = Callable[[Case, str], str | None]

_PROCESS_STEP_NOTES: dict[str, ProcessStepNote] = {}


def register_process_step_note(process: str, note: ProcessStepNote) -> None:
    _PROCESS_STEP_NOTES[process] = note


def step_note(case: Case, handoff: str | None, transition: str = "") -> str | None:
    """What the desks say on a step's form: the one it hands over to, the one whose process it is."""
    found = _STEP_NOTES.get(handoff or "")
    own = _PROCESS_STEP_NOTES.get(case.process_version.process)
    said = [
        text
        for text in (
            found(case) if found is not None else None,
            own(case, transition) if own is not None and transition else None,
        )
        if text
    ]
    return " ".join(said) or None


# What a step of a desk's own process waits for before it can be taken (e.g. a ZSM file's final decisions,
# for Veilig Thuis's information): process -> function of the case and the step's name returning the words
# (what it waits for, since when), or None when nothing holds it back. The case page shows such a step as
# waiting, with those words, instead of a form that would only be refused once filled in and sent.
StepWaiting = Callable[[Case, str], str | None]

_STEPS_WAITING: dict[str, StepWaiting] = {}


def register_step_waiting(process: str, rule: StepWaiting) -> None:
    _STEPS_WAITING[process] = rule


def step_waiting(case: Case, transition: str) -> str | None:
    """What the step waits for, in the words of the desk whose process it is; None: it can be taken."""
    rule = _STEPS_WAITING.get(case.process_version.process)
    return rule(case, transition) if rule is not None and transition else None


# The word a desk's pages use for a case of its process (the ZSM table's "File"), for the case page's title
# and heading to say it as the desk's lists and its history lines do: process -> the word (lazily
# translated); a process without one is a "Case".
_CASE_NOUNS: dict[str, Any] = {}


def register_case_noun(process: str, noun: Any) -> None:
    _CASE_NOUNS[process] = noun


def case_noun(case: Case) -> str:
    """What the case page calls this case, in the user's language: its desk's word, else "Case"."""
    found = _CASE_NOUNS.get(case.process_version.process)
    return str(found) if found is not None else gettext("Case")


# Whether a desk requires the reason of a step of its own process now, where the definition leaves it
# optional (e.g. a final decision on a ZSM file while the chain partners have not answered, which the desk's
# own rule, signals.case_stepping, refuses without one): process -> function of the case and the step's name
# returning what to say when the reason is left empty, or None when it is not required now. The step's form
# labels the reason as required and marks it so, instead of "(optional)".
ReasonRequired = Callable[[Case, str], str | None]

_REASONS_REQUIRED: dict[str, ReasonRequired] = {}


def register_reason_required(process: str, rule: ReasonRequired) -> None:
    _REASONS_REQUIRED[process] = rule


def reason_required(case: Case, transition: str) -> str | None:
    """What the desk of the case's process says when the step's reason is left empty, where it requires
    one now; None when it does not."""
    rule = _REASONS_REQUIRED.get(case.process_version.process)
    return rule(case, transition) if rule is not None and transition else None


# The desk a case of a process is worked from, for the case page's way back (a Veilig Thuis assessor came
# from the inbox, not from the list of cases): process -> (url name, label, who may use the desk).
_DESKS: dict[str, tuple[str, Any, Callable[[Any], bool]]] = {}


def register_case_desk(process: str, url_name: str, label: Any, may_use: Callable[[Any], bool]) -> None:
    _DESKS[process] = (url_name, label, may_use)


def case_desk(case: Case, user: Any) -> tuple[str, str] | None:
    """(url, label) of the desk the user works this case's process from; None: the list of cases."""
    found = _DESKS.get(case.process_version.process)
    if found is None or not found[2](user):
        return None
    return reverse(found[0]), str(found[1])


# The states in which a case of a process is still being assessed (a screening case before its screening is
# done): a registration added then needs no new assessment. process -> a function giving those states (read
# when asked: a desk may keep them in a file of its own); registered by the desk.
_ASSESSING: dict[str, Callable[[], Sequence[str]]] = {}


def register_assessing_states(process: str, states: Callable[[], Sequence[str]]) -> None:
    _ASSESSING[process] = states


def assessing_states(process: str) -> tuple[str, ...]:
    """The states of `process` a desk said its cases are assessed in; () when none said (a registration
    added marks the case for a new assessment in every state)."""
    found = _ASSESSING.get(process)
    return tuple(found()) if found is not None else ()


# Who takes over a case of a process when its owner leaves (is deactivated), if a desk names someone: a
# ZSM file goes to the prosecutor who stands in, as when its prosecutor is absent. process -> function of
# (the case, the owner who left) returning the user, or None: then the case goes back to its unit's queue.
StandIn = Callable[[Case, Any], Any]

_STAND_INS: dict[str, StandIn] = {}


def register_stand_in(process: str, finder: StandIn) -> None:
    _STAND_INS[process] = finder


def stand_in_for(case: Case, leaving: Any) -> Any:
    found = _STAND_INS.get(case.process_version.process)
    return found(case, leaving) if found is not None else None


# Who leads the queue of a desk's process besides a team lead: they divide its cases among the colleagues, so
# they may hand over a case a colleague holds, as a team lead may (a ZSM file: the district office's ZSM
# coordinator; a district office has no team lead). process -> (function of the case and the user saying
# whether the user leads that case's queue, the lead as a sentence names them, lazily translated: "the ZSM
# coordinator").
QueueLead = Callable[[Case, Any], bool]

_QUEUE_LEADS: dict[str, tuple[QueueLead, Any]] = {}


def register_queue_lead(process: str, leads: QueueLead, label: Any) -> None:
    _QUEUE_LEADS[process] = (leads, label)


def leads_queue(case: Case, user: Any) -> bool:
    """Whether `user` leads the queue of the case's process, as its desk says (False without a desk rule)."""
    found = _QUEUE_LEADS.get(case.process_version.process)
    return bool(found is not None and found[0](case, user))


def queue_lead_label(case: Case) -> str:
    """Who leads the queue of the case's process, in the user's language ("the ZSM coordinator"); "" when
    no desk names one."""
    found = _QUEUE_LEADS.get(case.process_version.process)
    return str(found[1]) if found is not None else ""
