"""The Veilig Thuis desk's own rules about the steps of a safety assessment, checked when one is taken (the
kernel's `case_stepping`, in its transaction, before anything is stored). A step that ends Veilig Thuis's
involvement (its outcome: the end of involvement, or a hand-over to the local team or care, when the step
closes the case) is refused while the unsafety it records is acute: acute unsafety asks for action, and the
refusal names the steps that fit. A step that changes the unsafety an earlier step recorded says so in its
history line, from what to what, instead of overwriting it silently."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext, gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.definition import Definition, Transition
from ketenzicht.workprocesses.engine.machine import Refused, may_take
from ketenzicht.workprocesses.labels import data_text
from ketenzicht.workprocesses.models import Case

PROCESS = "vt_safety_assessment"
UNSAFETY = "unsafety"
ACUTE = "acute"
# The outcomes that end Veilig Thuis's involvement when the step that records them closes the case.
ENDING_OUTCOMES = frozenset({"end", "local_care"})


def ends_involvement(definition: Definition, step: Transition) -> bool:
    """Whether the step ends Veilig Thuis's involvement: it closes the case with an outcome of
    `ENDING_OUTCOMES` (the end of involvement, a hand-over to the local team or care)."""
    target = definition.states.get(step.to)
    return step.sets.get("outcome") in ENDING_OUTCOMES and target is not None and target.final


def _records_unsafety(step: Transition) -> bool:
    return UNSAFETY in step.requires.fields or UNSAFETY in step.sets


def acting_steps(definition: Definition, state: str, roles: Iterable[str]) -> list[Transition]:
    """The steps from `state` that the roles may take and that act on acute unsafety: they record the
    unsafety found and do not end the involvement (not forwarding either, which records none)."""
    return [
        step
        for step in may_take(definition, state, roles)
        if _records_unsafety(step) and not ends_involvement(definition, step) and not step.via_desk
    ]


def _acute_refusal(case: Case, definition: Definition, actor: User | None) -> Refused:
    steps = acting_steps(definition, case.state, actor.role_codes if actor is not None else ())
    if steps:
        said = gettext(
            "Acute unsafety asks for action, not for ending Veilig Thuis's involvement: take a step that "
            "acts on it (%(steps)s). If the unsafety you found is not acute, choose that one."
        ) % {"steps": get_text_list([f"“{data_text(s.label)}”" for s in steps])}  # "“A”, “B” or “C”"
    else:
        said = gettext(
            "Acute unsafety asks for action, not for ending Veilig Thuis's involvement. If the unsafety you "
            "found is not acute, choose that one."
        )
    return Refused("desk", UNSAFETY, said=said)


def _unsafety_changed(definition: Definition, before: str, after: str) -> dict[str, Any]:
    """What the step's history line keeps of a changed unsafety: from and to, and the words (in the
    installation's language: a record, written from the definition)."""
    spec = definition.fields[UNSAFETY]
    note = in_installation_language(
        gettext_noop("%(field)s changed from %(before)s to %(after)s"),
        field=spec.label,
        before=spec.choices.get(before, before),
        after=spec.choices.get(after, after),
    )
    return {"unsafety_changed": {"from": before, "to": after}, "desk_note": note}


def on_stepping(
    sender: Any,
    case: Case,
    transition: str,
    values: Mapping[str, Any],
    actor: User | None = None,
    **kwargs: Any,
) -> dict[str, Any] | None:
    if case.process_version.process != PROCESS:  # loaded with the locked case
        return None
    definition = definition_of(case.process_version)
    step = definition.transition(transition)
    if step is None or UNSAFETY not in definition.fields:
        return None
    given = str(values.get(UNSAFETY) or "")
    if given == ACUTE and ends_involvement(definition, step):
        raise _acute_refusal(case, definition, actor)
    before = str(case.data.get(UNSAFETY) or "")
    if given and before and given != before:
        return _unsafety_changed(definition, before, given)
    return None
