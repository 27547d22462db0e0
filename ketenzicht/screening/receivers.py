"""The screening side of a kernel case kept in step with it (connected in apps.py): the queue's urgency and
level, and whether the pair's case is still open; a closed case reopens only while its pair has no other open
case in the unit. And a pattern signal re-opened (by a screener, or by Ketenzicht when a new registration came
in after it was closed) is told to whoever works the pair's case, or else to the unit's case screeners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from ketenzicht.measures.breaches import BreachOf
from ketenzicht.organisations.roles import Role
from ketenzicht.patterns.models import Signal
from ketenzicht.persons.selectors import persons_merged_from, persons_merged_to
from ketenzicht.registrations.models import MentionRole, PersonMention
from ketenzicht.workprocesses.alerts import CODE_PARAMS, alert_raise
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import case_list_for_user
from ketenzicht.workprocesses.services import case_record

from .engine.urgency import rank_of
from .models import ScreeningCase
from .recording import screening_lapse_waiting
from .services import provisional_urgency_of, screening_cases_for

# Where a case's urgency comes from: decided at the screening; else suggested by the last screening, or by
# the register's facts when the case opened or got a registration (provisional), whichever is the more
# urgent: a screening's suggestion lowers nothing until the screener confirms it in the step that completes
# the screening (where a lower choice than the suggestion waits for a team lead).
URGENCY_SOURCES = (
    ("urgency", "decided"),
    ("urgency_suggested", "suggested"),
    ("urgency_provisional", "provisional"),
)


def case_urgency(data: dict[str, Any]) -> tuple[str, str]:
    """(the case's urgency, where it comes from), ("", "") when none is known yet."""
    if data.get("urgency"):
        return str(data["urgency"]), "decided"
    suggested = str(data.get("urgency_suggested") or "")
    provisional = str(data.get("urgency_provisional") or "")
    if suggested and provisional and rank_of(provisional) < rank_of(suggested):
        return provisional, "provisional"  # a lower suggestion, not yet confirmed: the case keeps its place
    if suggested:
        return suggested, "suggested"
    return (provisional, "provisional") if provisional else ("", "")


def urgency_suggested_lower(data: dict[str, Any]) -> str:
    """The urgency a screening suggests when it is lower than what the case keeps until it is confirmed;
    else ""."""
    urgency, source = case_urgency(data)
    suggested = str(data.get("urgency_suggested") or "")
    return suggested if source == "provisional" and suggested and suggested != urgency else ""


def sync_screening_case(sender: Any, case: Case, **kwargs: Any) -> None:
    urgency, _source = case_urgency(case.data)
    ScreeningCase.objects.filter(case_id=case.pk).update(
        open=case.closed_at is None,
        deadline_at=case.deadline_at,
        urgency=urgency,
        urgency_rank=rank_of(urgency),
        level=str(case.data.get("screening_level") or ""),
    )


def lapse_waiting_lowerings(sender: Any, case: Case, **kwargs: Any) -> None:
    """A case that closed while a lowered level waited for a second person: the lowering no longer counts
    and its alert is settled (`recording.screening_lapse_waiting`, which leaves an open case alone)."""
    screening_lapse_waiting(case)


def _one_with(pk: int) -> set[int]:
    """The person and every person it is one with through merges (merged into it, or it into them): a
    pair's case counts for the person it is now part of, as intake counts it."""
    return persons_merged_from({persons_merged_to({pk})[pk]})


def _other_open_case(row: ScreeningCase) -> str | None:
    """The reference of another open case of the row's pair in its unit (of either process: the unit keeps
    one open case per pair, whichever process it runs on), or None."""
    return (
        ScreeningCase.objects.filter(
            unit_id=row.unit_id,
            suspect_id__in=_one_with(row.suspect_id),
            victim_id__in=_one_with(row.victim_id),
            open=True,
        )
        .exclude(case_id=row.case_id)
        .order_by("-case_id")
        .values_list("case__reference", flat=True)
        .first()
    )


def refuse_second_open_case(sender: Any, case: Case, **kwargs: Any) -> None:
    """Before a closed screening case reopens (`case_reopening`): refused, naming the case to work on in,
    when its pair has another open case in the unit (the pair's next registration opened a new one once this
    one closed). The row is marked open here, in a savepoint, so that an intake opening a case for the pair
    at the same moment is refused by the database (`screening_one_open_case`) and joins this one, or, having
    come first, makes this reopen refused rather than failed."""
    row = ScreeningCase.objects.filter(case_id=case.pk).first()
    if row is None:
        return
    other = _other_open_case(row)
    if other is not None:
        raise Refused("open_case", other)
    try:
        with transaction.atomic():
            ScreeningCase.objects.filter(case_id=case.pk).update(open=True)
    except IntegrityError:
        raise Refused("open_case", _other_open_case(row) or "") from None


# The processes whose cases are the screening desk's: a case of one opened by hand is put in the queue once
# its registrations name a suspect and a victim.
SCREENING_PROCESSES = ("ex_partner_stalking", "dv_screening")
MANUAL_REASON = "manual"  # a pair row's reason when its case was opened by hand, not by the case rules
# The history line of the provisional urgency a manual case's registrations give its pair.
MANUAL_PROVISIONAL = gettext_noop("provisional urgency from the registrations of the case")


def _pair_of(case: Case) -> tuple[PersonMention, PersonMention] | None:
    """The suspect and victim (their mentions) of the case's first registration that names both, linked to
    persons; None when no registration of the case does."""
    mentions = (
        PersonMention.objects.filter(
            registration__cases=case,
            role__in=[MentionRole.SUSPECT, MentionRole.VICTIM],
            link__isnull=False,
        )
        .select_related("link")
        .order_by("registration__registered_at", "registration_id", "id")
    )
    by_registration: dict[int, dict[str, PersonMention]] = {}
    for mention in mentions:
        sides = by_registration.setdefault(mention.registration_id, {})
        sides.setdefault(mention.role, mention)
        if len(sides) == 2:
            return sides[MentionRole.SUSPECT], sides[MentionRole.VICTIM]
    return None


def join_pair_of_manual_case(
    sender: Any, case: Case, registrations: Any = (), actor: Any = None, **kwargs: Any
) -> None:
    """`case_registrations_joined`: a screening case opened by hand has no pair yet; once its registrations
    name a suspect and a victim it gets the pair row, and with it its place in the unit's queue (and later
    registrations of the pair join it, as intake joins them). Refused ("pair_open", the other case, named
    only when the actor may open it) when the pair has an open case in the unit already: the unit keeps one
    open case per pair."""
    if case.process_version.process not in SCREENING_PROCESSES:
        return
    if ScreeningCase.objects.filter(case_id=case.pk).exists():
        return
    pair = _pair_of(case)
    if pair is None:
        return
    suspect, victim = pair
    now = persons_merged_to({suspect.link.person_id, victim.link.person_id})
    suspect_id, victim_id = now[suspect.link.person_id], now[victim.link.person_id]
    # The urgency its registrations give the pair before any screening, as intake gives a case it opens.
    provisional = provisional_urgency_of(
        list(case.registrations.values_list("pk", flat=True)), suspect_id, victim_id
    )
    urgency, _source = case_urgency({**case.data, "urgency_provisional": provisional})
    row = ScreeningCase(
        case_id=case.pk,
        unit_id=case.organisation_id,
        suspect_id=suspect_id,
        victim_id=victim_id,
        reasons=[MANUAL_REASON],
        rules_version="",
        opened_by_id=suspect.registration_id,
        suspect_name=suspect.display_name[:300],
        victim_name=victim.display_name[:300],
        urgency=urgency,
        urgency_rank=rank_of(urgency),
        deadline_at=case.deadline_at,
        open=True,
    )
    other = _other_open_case(row)
    if other is None:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:  # another one opened the pair's case at the same moment
            other = _other_open_case(row) or ""
        else:
            if case.data.get("urgency_provisional") != provisional:
                case_record(
                    case,
                    values={"urgency_provisional": provisional},
                    actor=actor,
                    expected_version=None,
                    what=MANUAL_PROVISIONAL,
                )
            return
    if other and case_list_for_user(user=actor).filter(reference=other).exists():
        raise Refused("pair_open", other)
    raise Refused("pair_open_hidden")


# A re-opened pattern signal is told as a signal appears: to the unit that works it. The owner of the pair's
# open screening case in the signal's unit (not the one who re-opened it), or, when the pair has no open case
# with an active owner (or the signal is about one person), the unit's case screeners, whose signals list it
# is back in. The alerts page links the signal (`params.signal`).
SIGNAL_REOPENED_KIND = "signal_reopened"
SIGNAL_REOPENED_MESSAGE = gettext_noop(
    "Pattern signal “%(rule)s” (no. %(signal)s) was reopened by %(who)s and is open again in your unit's "
    "signals. Reason: %(reason)s"
)
SIGNAL_REOPENED_BY_KETENZICHT_MESSAGE = gettext_noop(
    "Pattern signal “%(rule)s” (no. %(signal)s) was reopened by Ketenzicht: a new registration came in "
    "after it was closed."
)


# The name the alerts know the pattern rules by (`workprocesses.alerts.CODE_PARAMS`, registered in apps.py).
PATTERN_RULE = "pattern_rule"


def tell_signal_reopened(
    sender: Any, signals: list[int], by: Any = None, reason: str = "", at: Any = None, **kwargs: Any
) -> None:
    """`patterns.signals.signals_reopened`: one alert per re-opened signal, inside its transaction."""
    for signal in Signal.objects.filter(pk__in=signals, unit__isnull=False).select_related("unit"):
        # The rule by its name in the rules file, worded when the alert is read (`CODE_PARAMS`).
        params = {
            "signal": signal.pk,
            "rule": signal.rule,
            "reason": reason,
            CODE_PARAMS: {"rule": PATTERN_RULE},
        }
        if by is not None:
            params["who"] = by.display_name
        message = SIGNAL_REOPENED_MESSAGE if by is not None else SIGNAL_REOPENED_BY_KETENZICHT_MESSAGE
        case = _pair_case(signal)
        owner = case.owner if case is not None and case.owner is not None and case.owner.is_active else None
        if owner is not None and by is not None and owner.pk == by.pk:
            continue  # the owner re-opened it: nobody else works it
        alert_raise(
            kind=SIGNAL_REOPENED_KIND,
            message=message,
            organisation=signal.unit,  # type: ignore[arg-type]
            case=case,
            recipient=owner,
            role="" if owner is not None else Role.CASE_SCREENER,
            params={**params, "case": case.reference} if case is not None else params,
            at=at,
            not_for=by,  # the screener who reopened it knows
        )


def _pair_case(signal: Signal) -> Case | None:
    """The open screening case of the signal's pair in the signal's unit (one at most), or None."""
    if signal.suspect_id is None or signal.victim_id is None:
        return None
    row = (
        ScreeningCase.objects.filter(
            unit_id=signal.unit_id,
            suspect_id__in=_one_with(signal.suspect_id),
            victim_id__in=_one_with(signal.victim_id),
            open=True,
        )
        .select_related("case__owner")
        .order_by("-case_id")
        .first()
    )
    return row.case if row is not None else None


def join_pairs_of_breaches(
    sender: Any,
    breaches: list[Any],
    at: datetime,
    judged: Sequence[BreachOf],
    new: bool = False,
    **kwargs: Any,
) -> None:
    """Breaches of protective measures stored (`measures.signals.breaches_stored`): each registration joins
    the open case of its measure's pair in its unit, or opens one, as the screening step does at intake
    (`screening_cases_for`, on the judgement they were stored from, never judged again; nothing is added
    twice). For a measure registered after the fact these are the suspect's registrations since its first
    day. At intake (`new`) the screening step put them there already, but the pattern signals of the pair
    were computed again only now that the breaches are stored (the measures app's receiver, connected before
    this one: INSTALLED_APPS order): a signal the breach raised joins the case here, with its evidence."""
    registrations = sorted({breach.registration_id for breach in breaches})
    found: dict[int, list[BreachOf]] = {pk: [] for pk in registrations}
    for breach in judged:
        if breach.registration in found:
            found[breach.registration].append(breach)
    screening_cases_for(registrations, at=at, breaches=found)
