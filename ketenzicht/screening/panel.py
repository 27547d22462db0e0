"""The screening desk's panel on the kernel's case page (registered in apps.py): urgency and where it
came from, why the case opened, the screening trend with a lowered level waiting for a second person, the
pair's signals with their reasons, and the way to the screening form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.patterns.labels import reason_rows, rule_label
from ketenzicht.patterns.selectors import signals_reasons_for_user
from ketenzicht.registrations.services import registration_list_logged
from ketenzicht.workprocesses.headings import CasePair
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
from ketenzicht.workprocesses.selectors import case_registration_ids

from .engine.scoring import Override
from .forms import URGENCIES, SecondPersonForm
from .labels import LEVELS, LOWERED_CONFIRMED, LOWERED_DECLINED, OVERRIDES
from .models import Screening, ScreeningCase
from .receivers import MANUAL_REASON, SCREENING_PROCESSES, case_urgency, urgency_suggested_lower
from .recording import START_SCREENING
from .selectors import (
    instruments_for,
    may_use_screening_desk,
    pair_history,
    pair_signals,
    screening_case_of,
    screenings_of,
)
from .services import case_rules

NO_LONGER = (Screening.Status.SUPERSEDED, Screening.Status.LAPSED)
# Why a case opened by hand is there: no case rule opened it.
MANUAL_REASON_LABEL = gettext_lazy("opened by hand; its registrations were added on the case page")


def _trend_row(s: Screening, user: User) -> dict[str, Any]:
    """One screening in the trend: the level that counts and how it came about. A declined lowering shows
    the computed level, which counts, and the lowering that was not confirmed."""
    override = OVERRIDES.get(s.result.get("override"), "")
    level = LEVELS.get(s.level, s.level)  # type: ignore[call-overload]
    if s.result.get("override") == Override.LOWERED and s.status == Screening.Status.RECORDED:
        override = LOWERED_CONFIRMED
    elif s.status in NO_LONGER:
        override = ""  # not "to be confirmed": its badge says it no longer counts
    elif s.status == Screening.Status.DECLINED:
        override = LOWERED_DECLINED % {"level": level}
        level = LEVELS.get(s.computed_level, s.computed_level)  # type: ignore[call-overload]
    return {
        "screening": s,
        "computed": LEVELS.get(s.computed_level, "") if s.computed_level else "",  # type: ignore[call-overload]
        "level": level,
        "override": override,
        "corrected": len(s.corrected),
        "may_confirm": s.status == Screening.Status.AWAITING_SECOND and s.recorded_by_id != user.pk,
        # A lowering overtaken while it waited (a newer screening, the case closed): it never counted.
        "no_longer": s.get_status_display() if s.status in NO_LONGER else "",
    }


def _waiting_panel(case: Case) -> SafeString | None:
    """A screening case opened by hand whose registrations do not name a suspect and a victim yet: that it
    is not in the queue until one does, and (without persons) that there is nothing to screen yet."""
    if case.closed_at is not None or case.process_version.process not in SCREENING_PROCESSES:
        return None
    return SafeString(
        render_to_string("screening/_waiting.html", {"case": case, "has_persons": case.persons.exists()})
    )


def manual_step_note(case: Case, transition: str) -> str | None:
    """On the step that starts the screening of a case opened by hand without a suspect and a victim yet:
    that there is nothing to screen until a registration names both."""
    if transition != START_SCREENING or case.closed_at is not None or screening_case_of(case) is not None:
        return None
    return _(
        "This case has no suspect and victim yet: add a registration that names both on this page first. "
        "Until then there is nobody to screen, and the case is not in the screening queue."
    )


def case_title_words(title: str) -> str | None:
    """A case title the case rules wrote, in the user's language (registered with the kernel in apps.py)."""
    return case_rules().title_in(title, get_language() or "nl")


def case_pairs_of(cases: Sequence[Case]) -> dict[int, CasePair]:
    """The pairs of the screening cases among `cases` for their heading (`workprocesses.headings`, registered
    in apps.py): suspect and victim, after the label of the reason that opened the case in the user's
    language. A case opened by hand is left out: its heading is the title its user typed. One query."""
    rules, language = case_rules(), get_language() or "nl"
    known = {reason.code for reason in rules.reasons}
    found: dict[int, CasePair] = {}
    rows = ScreeningCase.objects.filter(case_id__in=[case.pk for case in cases]).values_list(
        "case_id", "suspect_id", "victim_id", "reasons", "case__title"
    )
    for case_id, suspect, victim, reasons, title in rows:
        if MANUAL_REASON in reasons:
            continue
        opening = reasons[0] if reasons else ""
        if opening in known:
            words = rules.label(opening, language)
        else:  # a reason of an older rule file: its label as the title wrote it, without the names
            words = rules.title_label(title, language) or title.split(" (", 1)[0]
        found[case_id] = CasePair(suspect, victim, words)
    return found


def screening_panel(request: HttpRequest, case: Case) -> SafeString | None:
    user: User = request.user  # type: ignore[assignment]
    if not may_use_screening_desk(user):
        return None
    screening_case = screening_case_of(case)
    if screening_case is None:
        return _waiting_panel(case)
    urgency, source = case_urgency(case.data)
    screenings = screenings_of(case)
    rules = case_rules()
    language = get_language() or "nl"
    signals = pair_signals(user, screening_case)
    history = pair_history(user, screening_case)
    if history.shown:  # read with the case as purpose, logged with it
        registration_list_logged(
            user=user,
            origin=request_origin(request, "web"),
            purpose=case_purpose_log(case.reference),
            detail={**case_purpose_detail(case), "pair_history": [r.pk for r in history.shown]},
            shown=history.shown,
        )
    on_case = case_registration_ids(case)
    return SafeString(
        render_to_string(
            "screening/_panel.html",
            {
                "case": case,
                "screening_case": screening_case,
                "urgency": urgency,
                "urgency_label": URGENCIES.get(urgency, ""),
                "urgency_source": source,
                "urgency_suggested_lower": URGENCIES.get(urgency_suggested_lower(case.data), ""),
                # A lowered urgency waiting for a team lead (the kernel's proposal): the case keeps this one.
                "urgency_lowering": URGENCIES.get(
                    str(((case.pending or {}).get("lowered") or {}).get("urgency", {}).get("to", "")), ""
                ),
                "level_label": LEVELS.get(screening_case.level, "") if screening_case.level else "",  # type: ignore[call-overload]
                "reasons": [
                    str(MANUAL_REASON_LABEL) if code == MANUAL_REASON else rules.label(code, language)
                    for code in screening_case.reasons
                ],
                "trend": [_trend_row(s, user) for s in screenings],
                "second_form": SecondPersonForm(),
                "may_screen": case.closed_at is None and bool(instruments_for(case)),
                "may_take": case.closed_at is None and (case.owner is None or not case.owner.is_active),
                "signals": [
                    {"signal": s, "label": rule_label(s.rule), "reasons": reason_rows(reasons)}
                    for s, reasons in zip(
                        signals, signals_reasons_for_user(user=user, signals=signals), strict=True
                    )
                ],
                "reassess": bool(case.data.get("reassess")),
                "history": [
                    {
                        "registration": r,
                        "on_case": r.pk in on_case,
                        "other_unit": r.unit_id != case.organisation_id,
                    }
                    for r in history.shown
                ],
                "history_hidden": history.hidden,
            },
            request=request,
        )
    )


def screening_level_missing(case: Case) -> str | None:
    """Why a step that needs the screening level is refused, in a screener's words, when a screening is
    there but its level does not count yet: a lowered level waits for a second person, or the last
    screening's lowering was declined (before 2026-12 such a decline left no level; now the computed one
    is recorded). None: no screening yet (the kernel's words name the level)."""
    waiting = case.screenings.filter(status=Screening.Status.AWAITING_SECOND).order_by("-recorded_at", "-id")
    found = waiting.first()
    if found is not None:
        return _(
            "The lowered level of the risk screening (%(level)s) waits for a second person to confirm it: a "
            "colleague or a team lead confirms or declines it under Screening on this page. Then you can "
            "complete the screening."
        ) % {"level": LEVELS.get(found.level, found.level)}  # type: ignore[call-overload]
    latest = case.screenings.order_by("-recorded_at", "-id").first()
    if latest is not None and latest.status == Screening.Status.DECLINED:
        return _(
            "The second person declined the lowered level of the last risk screening: record the screening "
            "again with “Screen again” (its answers are filled in). Then you can complete the screening."
        )
    return None
