"""Pre-answers from the register (issue 13, item 5): what the pair's history says about each fact an
instrument item can name in `prefill`, with the registrations that show it. Pure: the caller gives the
pair's events (the pattern engine's `Event`, built from the register) and the rules of its open signals.

The screener confirms or corrects every pre-answer; corrections are kept, and they are how the pre-fill
is judged (bench/screening.py --prefill against the generator's truth).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketenzicht.patterns.engine.events import Event, directed_pairs

TWELVE_MONTHS = timedelta(days=365)
ESCALATION_RULE = "escalation"
STALKING_RULE = "possible_stalking"
# Articles of the Wetboek van Strafrecht that answer a fact by themselves: vernieling (350) is damage to
# property; bedreiging (285) is a threat, one of the other threats unless its summary holds the words of a
# threat to kill (that answers `threat_to_kill`, from the summary's words).
PROPERTY_DAMAGE_ARTICLES = frozenset({"350"})
THREAT_ARTICLES = frozenset({"285"})
THREAT_TO_KILL = "threat_to_kill"  # the pattern engine's word category


@dataclass(frozen=True)
class Prefill:
    """One pre-answer: yes/no (bool) or a count (int), the events that show it, and why, in plain words
    (codes the desk translates)."""

    fact: str
    answer: bool | int
    evidence: tuple[int, ...]  # event (registration) ids
    basis: str  # what was looked at: "offence", "summary", "breach", "count", "signal"


def _of_pair(
    events: Iterable[Event], suspect: int, victim: int, breaches: frozenset[int] = frozenset()
) -> list[Event]:
    """Events in which the suspect acts towards the victim, as the pattern engine pairs them
    (`directed_pairs`): as suspect, or as the person involved in a notification without a suspect (a
    report of being followed, a Veilig Thuis notification), towards the victim (or the reporter); and the
    suspect's events that breach a protective measure protecting the victim (`breaches`), whether they name
    the victim or not (an arrest for breaching a contact ban names the suspect alone)."""
    chosen = [
        event
        for event in events
        if (suspect, victim) in directed_pairs(event.parties)
        or (event.id in breaches and any(party.person == suspect for party in event.parties))
    ]
    return sorted(chosen, key=lambda e: (e.at, e.id))


def _yes_no(fact: str, shown: Sequence[Event], basis: str) -> Prefill:
    return Prefill(fact=fact, answer=bool(shown), evidence=tuple(e.id for e in shown), basis=basis)


def prefill(
    events: Iterable[Event],
    *,
    suspect: int,
    victim: int,
    at: datetime,
    signal_rules: Iterable[str] = (),
    breaches: Iterable[int] = (),
) -> dict[str, Prefill]:
    """Every register fact for the pair, as known at `at` (later registrations do not count). `breaches`:
    the events (registration ids) that breach a protective measure binding the suspect and protecting the
    victim: they are the pair's, named in them or not."""
    history = [e for e in _of_pair(events, suspect, victim, frozenset(breaches)) if e.at <= at]
    rules = set(signal_rules)
    recent = [e for e in history if e.at > at - TWELVE_MONTHS]
    return {
        "earlier_violence": _yes_no("earlier_violence", [e for e in history if e.violence], "offence"),
        "threat_to_kill": _yes_no(
            "threat_to_kill", [e for e in history if THREAT_TO_KILL in e.words], "summary"
        ),
        "other_threats": _yes_no(
            "other_threats",
            [e for e in history if e.articles & THREAT_ARTICLES and THREAT_TO_KILL not in e.words],
            "offence",
        ),
        "property_damage": _yes_no(
            "property_damage", [e for e in history if e.articles & PROPERTY_DAMAGE_ARTICLES], "offence"
        ),
        "weapon": _yes_no("weapon", [e for e in history if "weapon" in e.words], "summary"),
        "breach_of_ban": _yes_no("breach_of_ban", [e for e in history if e.breach], "breach"),
        "incidents_12_months": Prefill(
            fact="incidents_12_months",
            answer=len(recent),
            evidence=tuple(e.id for e in recent),
            basis="count",
        ),
        "escalation_signal": Prefill(
            fact="escalation_signal", answer=ESCALATION_RULE in rules, evidence=(), basis="signal"
        ),
        "stalking_signal": Prefill(
            fact="stalking_signal", answer=STALKING_RULE in rules, evidence=(), basis="signal"
        ),
    }
