"""The screening desk's own rule about closing a case without action, checked when the step is taken (the
kernel's `case_stepping`, in its transaction, before anything is stored; a step that needs a second person is
checked when it is proposed, before anyone is asked, and again when it is confirmed). Every DV and stalking
report gets a structured risk screening, an acute one above all: closing a screening case without action
(*Afsluiten zonder actie*, *Geen verdere actie*) is refused while its urgency (decided, or until then the
provisional one) is acute and no risk screening is recorded on it. The case page shows that step as waiting
for the screening (`step_waiting`) instead of a form that would only be refused, and a proposal of it as
waiting for the screening before it can be confirmed: the case may have become acute since it was proposed
(a new registration of the pair). A recorded screening is kept for good (a newer one is added beside it,
never in its place), so what a proposal was allowed on by the screening still holds when it is confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case

from .models import Screening
from .receivers import SCREENING_PROCESSES, case_urgency

ACUTE = "acute"
# The steps of the screening processes that close a case without action, in every version: version 1 of
# ex-partner stalking and of DV screening "Geen verdere actie", version 2 of ex-partner stalking "Afsluiten
# zonder actie" (the plain "Afsluiten" closes a case after its follow-up, when the screening is long done).
CLOSING_WITHOUT_ACTION = frozenset({"close_without_action", "no_further_action"})


def _held_back(case: Case, transition: str, values: Mapping[str, Any] | None = None) -> bool:
    """Whether closing without action waits for the risk screening: the step closes without action, the
    case's urgency (with what the step would record) is acute and no screening is recorded on it."""
    if case.process_version.process not in SCREENING_PROCESSES or transition not in CLOSING_WITHOUT_ACTION:
        return False
    urgency, _source = case_urgency({**case.data, **(values or {})})
    if urgency != ACUTE:
        return False
    return not (str(case.data.get("screening_level") or "") or Screening.objects.filter(case=case).exists())


def refusal_words() -> str:
    return gettext(
        "An acute case is not closed without action before the risk screening is recorded: fill in the risk "
        "screening first."
    )


def on_stepping(
    sender: Any,
    case: Case,
    transition: str,
    values: Mapping[str, Any],
    actor: User | None = None,
    **kwargs: Any,
) -> None:
    if _held_back(case, transition, values):
        raise Refused("desk", "urgency", said=refusal_words())


def closing_waiting(case: Case, transition: str) -> str | None:
    """What closing the case without action waits for, in words; None when it can be taken."""
    if case.closed_at is not None or not _held_back(case, transition):
        return None
    return gettext(
        "waits for the risk screening: an acute case is not closed without action before it is recorded"
    )
