"""Scoring pattern signals against the chain-data generator's truth (pure Python, no Django).

Inputs: the truth (`truth.jsonl`: planted stalking campaigns, serial perpetrators, confounders, and the true
person of every mention), facts about the registrations (`registrations.jsonl`: registered_at, offences,
relations), and the signals as `manage.py export_signals` writes them.

**Who a signal is about.** Every registration of a signal names its suspect and victim mentions
(`suspect_refs`, `victim_refs`); the truth names the true person of each mention. A signal's suspect is the
true person named as suspect in most of its registrations (each registration counts once per person), its
victim likewise. This holds whatever the linker did: a signal built on wrongly merged persons shows as
registrations whose true suspects or victims disagree.

**When a signal matches a campaign** (rules about a pair: possible_stalking, escalation): the signal shares
at least `min(2, campaign length)` registrations with the campaign, at least half of the signal's
registrations are the campaign's, and (when the signal names a suspect and a victim) its suspect and victim
are the campaign's, in that direction. Of several campaigns the one sharing the most registrations counts.
Several signals may match one campaign (e.g. linking split the victim after a move): all count as correct
signals, and the campaign counts once for recall; `campaigns_with_several_signals` shows how often, and
`mean_coverage` / `found_fully_covered` how much of a found campaign its matching signals hold.

**Serial perpetrators**: a serial_perpetrator signal matches a serial when its suspect is the serial's
suspect and at least one of its registrations belongs to one of the serial's campaigns.

**Lead time** (per campaign with a 285b registration, found by possible_stalking): positions in the
campaign's registered_at order, 0-based: the first registration carrying art. 285b minus the registration at
which the signal first fired (`first_fired_registration`; when that is not one of the campaign's, the last
campaign registration registered at or before it). Positive: the signal came that many registrations earlier.
Of several matching signals the earliest firing counts.

**False positives** (signals that match nothing) are put in one cause each, first that applies:
`reversed` (the campaign's registrations, suspect and victim swapped), `campaign_fragment` (shares
registrations with a campaign but too few, or mixed with others), `confounder:<kind>` (most registrations
belong to one confounder), `other_campaign_pair` (for serial signals: a campaign suspect who is no
serial), `one_incident_with_follow_ups` (ordinary data: the same true suspect and victim in two or more of its
registrations, but all of one incident: a police registration and the chain partners' follow-ups within
21 days, by OM, Veilig Thuis, Slachtofferhulp or Reclassering), `ordinary_repeat_pair` (ordinary data in
which the same true suspect and victim meet in two or more separate incidents: a pair the data really
has; the rule judged it a pattern),
`linking_merge` (the signal's suspect and victim meet in fewer than two of its registrations: the pattern
exists only through merged persons, or the engine paired people of different registrations).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Key = tuple[str, str]  # (source, reference)
PAIR_RULES = ("possible_stalking", "escalation")
DV_RELATIONS = frozenset({"partner", "ex_partner", "family"})
MARAC_WINDOW = dt.timedelta(days=365)
FOLLOW_UP = dt.timedelta(days=21)  # the generator's follow-ups by chain partners come 1-21 days later


# --- inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    plant: str
    suspect: str
    victim: str
    subkind: str
    shape: str
    escalates: bool
    has_285b: bool
    victim_moved: bool
    registrations: tuple[Key, ...]
    serial: str | None = None


@dataclass(frozen=True)
class SerialTruth:
    id: str
    suspect: str
    victims: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Confounder:
    plant: str
    kind: str
    persons: tuple[str, ...]
    registrations: tuple[Key, ...]


@dataclass
class Truth:
    campaigns: list[Campaign] = field(default_factory=list)
    serials: list[SerialTruth] = field(default_factory=list)
    confounders: list[Confounder] = field(default_factory=list)
    person_of: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (source, ref'ce, ref)


@dataclass(frozen=True)
class RegFacts:
    registered_at: dt.datetime
    offences: tuple[str, ...] = ()
    source: str = "politie"
    dv_victims: tuple[str, ...] = ()  # refs of victims with a partner/ex-partner/family relation recorded


@dataclass(frozen=True)
class SignalRegistration:
    key: Key
    suspect_refs: tuple[str, ...]
    victim_refs: tuple[str, ...]


@dataclass(frozen=True)
class Signal:
    rule: str
    severity: str
    first_fired: Key | None
    registrations: tuple[SignalRegistration, ...]
    first_fired_at: str = ""

    @property
    def keys(self) -> list[Key]:
        return [r.key for r in self.registrations]


def _key(value: Any, where: str) -> Key:
    if isinstance(value, dict):
        value = [value.get("source"), value.get("reference")]
    if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValueError(f"{where}: expected a source and a reference, got {value!r}")
    return (value[0], value[1])


def parse_truth(lines: Iterable[str]) -> Truth:
    truth = Truth()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fact = json.loads(line)
        if "mention" in fact:
            source, reference, ref = fact["mention"]
            truth.person_of[(source, reference, ref)] = fact["person"]
        elif "pattern" in fact:
            p = fact["pattern"]
            truth.campaigns.append(
                Campaign(
                    plant=p["plant"],
                    suspect=p["suspect"],
                    victim=p["victim"],
                    subkind=p.get("subkind", ""),
                    shape=p.get("shape", ""),
                    escalates=bool(p.get("escalates")),
                    has_285b=bool(p.get("has_285b")),
                    victim_moved=bool(p.get("victim_moved")),
                    registrations=tuple(_key(r, f"truth line {number}") for r in p["registrations"]),
                    serial=p.get("serial"),
                )
            )
        elif "serial" in fact:
            s = fact["serial"]
            truth.serials.append(
                SerialTruth(s["id"], s["suspect"], tuple(s["victims"]), tuple(s["patterns"]))
            )
        elif "confounder" in fact:
            c = fact["confounder"]
            truth.confounders.append(
                Confounder(
                    c["plant"],
                    c["kind"],
                    tuple(c.get("persons", ())),
                    tuple(_key(r, f"truth line {number}") for r in c["registrations"]),
                )
            )
        else:
            raise ValueError(f"truth line {number}: unknown fact {sorted(fact)}")
    return truth


def parse_registration_facts(data: dict[str, Any]) -> tuple[Key, RegFacts]:
    roles = {p["ref"]: p.get("role") for p in data.get("persons", [])}
    dv_victims = sorted(
        {
            end
            for rel in data.get("relations", [])
            if rel.get("kind") in DV_RELATIONS
            for end in (rel.get("from"), rel.get("to"))
            if roles.get(end) == "victim"
        }
    )
    return (data["source"], data["reference"]), RegFacts(
        registered_at=dt.datetime.fromisoformat(data["registered_at"]),
        offences=tuple(data.get("offences") or ()),
        source=data["source"],
        dv_victims=tuple(dv_victims),
    )


def parse_signals(lines: Iterable[str]) -> list[Signal]:
    """Signals from export_signals' JSON lines; a malformed line is an error naming the line and field."""
    signals = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"signals line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error})") from None
        for name in ("rule", "registrations"):
            if name not in data:
                raise ValueError(f"{where}: no {name!r}")
        registrations = []
        for index, reg in enumerate(data["registrations"]):
            registrations.append(
                SignalRegistration(
                    _key(reg, f"{where}, registrations[{index}]"),
                    tuple(reg.get("suspect_refs") or ()),
                    tuple(reg.get("victim_refs") or ()),
                )
            )
        first = data.get("first_fired_registration")
        signals.append(
            Signal(
                rule=data["rule"],
                severity=str(data.get("severity", "")),
                first_fired=_key(first, f"{where}, first_fired_registration") if first else None,
                registrations=tuple(registrations),
                first_fired_at=str(data.get("first_fired_at", "")),
            )
        )
    return signals


def read_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        yield from handle


# --- who a signal is about -----------------------------------------------------------------------------


def _majority(counter: Counter[str]) -> str | None:
    if not counter:
        return None
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


@dataclass(frozen=True)
class People:
    suspect: str | None
    victim: str | None
    pair_registrations: int  # registrations naming both the suspect and the victim (true persons)
    suspects: int  # distinct true suspects over the signal's registrations
    victims: int


def people_of(signal: Signal, person_of: dict[tuple[str, str, str], str]) -> People:
    suspects: Counter[str] = Counter()
    victims: Counter[str] = Counter()
    per_registration: list[tuple[set[str], set[str]]] = []
    for reg in signal.registrations:
        s = {person_of[(*reg.key, r)] for r in reg.suspect_refs if (*reg.key, r) in person_of}
        v = {person_of[(*reg.key, r)] for r in reg.victim_refs if (*reg.key, r) in person_of}
        suspects.update(s)
        victims.update(v)
        per_registration.append((s, v))
    suspect, victim = _majority(suspects), _majority(victims)
    both = sum(1 for s, v in per_registration if suspect in s and victim in v)
    return People(suspect, victim, both, len(suspects), len(victims))


# --- matching ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    plant: str | None  # the matched campaign (or serial id)
    cause: str = ""  # for no match: the false positive's cause
    context: str = ""  # the campaign or confounder it touched, if any


def _plant_index(truth: Truth) -> dict[Key, tuple[str, str]]:
    """registration -> ("campaign" | "confounder:<kind>", plant label)."""
    index: dict[Key, tuple[str, str]] = {}
    for c in truth.campaigns:
        for key in c.registrations:
            index[key] = ("campaign", c.plant)
    for f in truth.confounders:
        for key in f.registrations:
            index.setdefault(key, (f"confounder:{f.kind}", f.plant))
    return index


def incidents(keys: Iterable[Key], facts: dict[Key, RegFacts] | None) -> int:
    """Distinct incidents among registrations: a registration of another source (OM, Veilig Thuis,
    Slachtofferhulp, Reclassering) up to FOLLOW_UP_DAYS after a police registration of the same signal
    counts as that incident's follow-up."""
    if facts is None:
        return len(set(keys))
    known = sorted({k for k in keys if k in facts}, key=lambda k: facts[k].registered_at)
    count = len(set(keys)) - len(known)
    last_police: dt.datetime | None = None
    for k in known:
        f = facts[k]
        if f.source == "politie":
            last_police = f.registered_at
            count += 1
        elif last_police is None or f.registered_at - last_police > FOLLOW_UP:
            count += 1
    return count


def _no_match_cause(
    signal: Signal,
    people: People,
    index: dict[Key, tuple[str, str]],
    campaigns: dict[str, Campaign],
    facts: dict[Key, RegFacts] | None = None,
) -> Match:
    keys = signal.keys
    owners = Counter(index.get(k, ("ordinary", "")) for k in keys)
    touched = [(owner, n) for owner, n in owners.most_common() if owner[0] == "campaign"]
    if touched:
        (_, plant), overlap = touched[0]
        c = campaigns[plant]
        if (
            overlap >= min(2, len(c.registrations))
            and overlap * 2 >= len(keys)
            and (people.suspect, people.victim) == (c.victim, c.suspect)
        ):
            return Match(None, "reversed", plant)
        return Match(None, "campaign_fragment", plant)
    (kind, plant), n = owners.most_common(1)[0]
    if kind.startswith("confounder:") and n * 2 >= len(keys):
        return Match(None, kind, plant)
    if people.pair_registrations >= 2:
        if incidents(keys, facts) <= 1:
            return Match(None, "one_incident_with_follow_ups", plant)
        return Match(None, "ordinary_repeat_pair", plant)
    return Match(None, "linking_merge", plant)


def match_pair_signals(
    signals: Sequence[Signal], truth: Truth, facts: dict[Key, RegFacts] | None = None
) -> list[Match]:
    """For each signal about a pair: the campaign it matches, or why it matches none (see the module)."""
    index = _plant_index(truth)
    campaigns = {c.plant: c for c in truth.campaigns}
    result = []
    for signal in signals:
        people = people_of(signal, truth.person_of)
        keys = signal.keys
        overlaps = Counter(index[k][1] for k in set(keys) if index.get(k, ("", ""))[0] == "campaign")
        found: Match | None = None
        for plant, overlap in sorted(overlaps.items(), key=lambda item: (-item[1], item[0])):
            c = campaigns[plant]
            if overlap < min(2, len(c.registrations)) or overlap * 2 < len(set(keys)):
                continue
            named = people.suspect is not None and people.victim is not None
            if named and (people.suspect, people.victim) != (c.suspect, c.victim):
                continue
            found = Match(plant, context=plant)
            break
        result.append(found or _no_match_cause(signal, people, index, campaigns, facts))
    return result


def match_serial_signals(
    signals: Sequence[Signal], truth: Truth, facts: dict[Key, RegFacts] | None = None
) -> list[Match]:
    index = _plant_index(truth)
    campaigns = {c.plant: c for c in truth.campaigns}
    serial_of_suspect = {s.suspect: s for s in truth.serials}
    result = []
    for signal in signals:
        people = people_of(signal, truth.person_of)
        serial = serial_of_suspect.get(people.suspect or "")
        if serial is not None and any(index.get(k, ("", ""))[1] in serial.patterns for k in signal.keys):
            result.append(Match(serial.id, context=serial.id))
            continue
        owners = Counter(index.get(k, ("ordinary", "")) for k in signal.keys)
        camp = [plant for (kind, plant), _ in owners.most_common() if kind == "campaign"]
        if camp and campaigns[camp[0]].suspect == people.suspect:
            result.append(Match(None, "other_campaign_pair", camp[0]))
        else:
            result.append(_no_match_cause(signal, people, index, campaigns, facts))
    return result


# --- figures -------------------------------------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bucket(n: int) -> str:
    return "3" if n <= 3 else "4-5" if n <= 5 else "6-10" if n <= 10 else "11+"


def order_of(campaign: Campaign, facts: dict[Key, RegFacts]) -> list[Key]:
    """The campaign's registrations in registered_at order (the truth's order breaks ties)."""
    at = {
        k: (facts[k].registered_at if k in facts else None, i) for i, k in enumerate(campaign.registrations)
    }
    known = [k for k in campaign.registrations if at[k][0] is not None]
    return sorted(known, key=lambda k: at[k])


def fired_position(ordered: list[Key], fired: Key | None, facts: dict[Key, RegFacts]) -> int | None:
    """0-based position in `ordered` at which a signal that first fired at `fired` had fired."""
    if fired is None:
        return None
    if fired in ordered:
        return ordered.index(fired)
    if fired not in facts:
        return None
    when = facts[fired].registered_at
    before = [i for i, k in enumerate(ordered) if facts[k].registered_at <= when]
    return before[-1] if before else -1


def lead_times(
    campaigns: Sequence[Campaign],
    fired_at: dict[str, list[Key | None]],
    facts: dict[Key, RegFacts],
) -> dict[str, Any]:
    """Lead time per campaign with 285b (see the module), and for campaigns without 285b whether any
    signal fired. `fired_at`: campaign -> first_fired_registration of each matching signal."""
    leads: dict[str, int] = {}
    missed_285b: list[str] = []
    without = fired_without = 0
    fired_number: Counter[int] = Counter()  # 1-based: at the campaign's how-manieth registration it fired
    for c in campaigns:
        found = c.plant in fired_at
        if found:
            ordered = order_of(c, facts)
            firsts = [fired_position(ordered, f, facts) for f in fired_at[c.plant]]
            known = [p for p in firsts if p is not None]
            if known:
                fired_number[min(known) + 1] += 1
        if not c.has_285b:
            without += 1
            fired_without += found
            continue
        ordered = order_of(c, facts)
        first_285b = next((i for i, k in enumerate(ordered) if "285b" in facts[k].offences), None)
        if first_285b is None:
            continue  # has_285b in the truth but no such registration among the facts given
        positions = [
            p for p in (fired_position(ordered, f, facts) for f in fired_at.get(c.plant, [])) if p is not None
        ]
        if not positions:
            missed_285b.append(c.plant)
            continue
        leads[c.plant] = first_285b - min(positions)
    values = sorted(leads.values())
    with_285b = len(values) + len(missed_285b)
    return {
        "campaigns_with_285b": with_285b,
        "fired": len(values),
        "median": statistics.median(values) if values else None,
        "mean": round(statistics.mean(values), 2) if values else None,
        "distribution": dict(sorted(Counter(values).items())),
        "share_at_least_2_of_all_285b": ratio(sum(1 for v in values if v >= 2), with_285b),
        "share_before_285b": ratio(sum(1 for v in values if v > 0), len(values)),
        "missed": missed_285b,
        "per_campaign": leads,
        "fired_at_registration": dict(sorted(fired_number.items())),
        "campaigns_without_285b": without,
        "without_285b_fired": fired_without,
        "without_285b_share_fired": ratio(fired_without, without),
    }


def pair_rule_figures(
    rule: str,
    signals: Sequence[Signal],
    matches: Sequence[Match],
    campaigns: Sequence[Campaign],
    *,
    wanted: Any = None,
) -> dict[str, Any]:
    """Precision of `rule`'s signals against campaigns and recall of the campaigns `wanted` selects
    (all campaigns by default; escalation: those with escalates=true)."""
    wanted = wanted or (lambda c: True)
    by_plant = {c.plant: c for c in campaigns}
    target = [c for c in campaigns if wanted(c)]
    signals_of: dict[str, int] = Counter(m.plant for m in matches if m.plant)
    correct = sum(1 for m in matches if m.plant and wanted(by_plant[m.plant]))
    other_campaign = sum(1 for m in matches if m.plant and not wanted(by_plant[m.plant]))
    found = [c for c in target if signals_of.get(c.plant)]
    covered: dict[str, set[Key]] = defaultdict(set)
    for signal, m in zip(signals, matches, strict=True):
        if m.plant:
            covered[m.plant].update(signal.keys)
    coverage = [len(covered[c.plant] & set(c.registrations)) / len(set(c.registrations)) for c in found]

    def recall_by(attribute: Any) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[Campaign]] = defaultdict(list)
        for c in target:
            groups[str(attribute(c))].append(c)
        return {
            name: {
                "campaigns": len(group),
                "found": sum(1 for c in group if signals_of.get(c.plant)),
                "recall": ratio(sum(1 for c in group if signals_of.get(c.plant)), len(group)),
            }
            for name, group in sorted(groups.items())
        }

    return {
        "rule": rule,
        "signals": len(signals),
        "correct": correct,
        "on_other_campaigns": other_campaign,
        "false_positives": sum(1 for m in matches if not m.plant),
        "precision": ratio(correct, len(signals)),
        "campaigns": len(target),
        "found": len(found),
        "recall": ratio(len(found), len(target)),
        "campaigns_with_several_signals": sum(1 for c in target if signals_of.get(c.plant, 0) > 1),
        # of the found campaigns: how much of each its matching signals hold (linking may split a person)
        "found_fully_covered": sum(1 for share in coverage if share == 1.0),
        "mean_coverage": round(statistics.mean(coverage), 4) if coverage else None,
        "false_positive_causes": dict(Counter(m.cause for m in matches if not m.plant).most_common()),
        "recall_by_relation": recall_by(lambda c: c.subkind),
        "recall_by_shape": recall_by(lambda c: c.shape),
        "recall_by_length": recall_by(lambda c: _bucket(len(c.registrations))),
        "recall_by_victim_moved": recall_by(lambda c: c.victim_moved),
        "recall_by_serial": recall_by(lambda c: c.serial is not None),
    }


def serial_figures(
    signals: Sequence[Signal], matches: Sequence[Match], serials: Sequence[SerialTruth]
) -> dict[str, Any]:
    found = {m.plant for m in matches if m.plant}
    correct = sum(1 for m in matches if m.plant)
    return {
        "rule": "serial_perpetrator",
        "signals": len(signals),
        "correct": correct,
        "false_positives": len(signals) - correct,
        "precision": ratio(correct, len(signals)),
        "serials": len(serials),
        "found": len(found),
        "recall": ratio(len(found), len(serials)),
        "false_positive_causes": dict(Counter(m.cause for m in matches if not m.plant).most_common()),
        "missed": sorted(s.id for s in serials if s.id not in found),
    }


def confounder_figures(signals: Sequence[Signal], confounders: Sequence[Confounder]) -> dict[str, Any]:
    """Per confounder kind: how many there are and how many any rule flagged (a signal holding at least
    one of its registrations), per rule. mutual_conflict on a neighbour quarrel is the wanted outcome and
    is counted apart (`mutual_conflict_expected`), not as flagged."""
    rules_of: dict[Key, set[str]] = defaultdict(set)
    for s in signals:
        for k in s.keys:
            rules_of[k].add(s.rule)
    out: dict[str, Any] = {}
    for kind in sorted({c.kind for c in confounders}):
        group = [c for c in confounders if c.kind == kind]
        flagged = 0
        per_rule: Counter[str] = Counter()
        expected = 0
        for c in group:
            rules = set().union(*(rules_of.get(k, set()) for k in c.registrations))
            if kind == "neighbour_quarrel" and "mutual_conflict" in rules:
                expected += 1
                rules.discard("mutual_conflict")
            per_rule.update(rules)
            flagged += bool(rules)
        out[kind] = {
            "confounders": len(group),
            "flagged": flagged,
            "share_flagged": ratio(flagged, len(group)),
            "by_rule": dict(sorted(per_rule.items())),
        }
        if kind == "neighbour_quarrel":
            out[kind]["mutual_conflict_expected"] = expected
            out[kind]["with_3_or_more_registrations"] = sum(1 for c in group if len(c.registrations) >= 3)
    return out


def marac_reference(
    facts: dict[Key, RegFacts], person_of: dict[tuple[str, str, str], str]
) -> dict[str, list[Key]]:
    """True victims with 3 or more police registrations in 365 days in which a partner, ex-partner or family
    relation to them is recorded: victim -> those registrations. A reference built from the data alone,
    to set marac_repeat against (the rule's own notion of a DV incident may differ)."""
    per_victim: dict[str, list[tuple[dt.datetime, Key]]] = defaultdict(list)
    for key, f in facts.items():
        if f.source != "politie":
            continue
        for ref in f.dv_victims:
            person = person_of.get((*key, ref))
            if person:
                per_victim[person].append((f.registered_at, key))
    out = {}
    for person, items in per_victim.items():
        if len(items) < 3:
            continue
        items.sort()
        for i in range(len(items) - 2):
            if items[i + 2][0] - items[i][0] <= MARAC_WINDOW:
                out[person] = [k for _, k in items]
                break
    return out


def marac_figures(
    signals: Sequence[Signal],
    truth: Truth,
    facts: dict[Key, RegFacts],
    reference: dict[str, list[Key]],
) -> dict[str, Any]:
    """marac_repeat: each signal is consistent when its true victim is a victim in 3 or more of its
    registrations within 365 days; its context (campaign, confounder, ordinary); and recall of the
    data-derived reference (`marac_reference`)."""
    index = _plant_index(truth)
    consistent = 0
    contexts: Counter[str] = Counter()
    victims_flagged: set[str] = set()
    for s in signals:
        people = people_of(s, truth.person_of)
        times = sorted(
            facts[r.key].registered_at
            for r in s.registrations
            if r.key in facts
            and any(truth.person_of.get((*r.key, ref)) == people.victim for ref in r.victim_refs)
        )
        ok = any(times[i + 2] - times[i] <= MARAC_WINDOW for i in range(len(times) - 2))
        consistent += ok
        if people.victim:
            victims_flagged.add(people.victim)
        owners = Counter(index.get(k, ("ordinary", ""))[0] for k in s.keys)
        contexts[owners.most_common(1)[0][0] if owners else "none"] += 1
    found = [v for v in reference if v in victims_flagged]
    return {
        "rule": "marac_repeat",
        "signals": len(signals),
        "consistent_with_true_persons": consistent,
        "share_consistent": ratio(consistent, len(signals)),
        "signals_by_context": dict(contexts.most_common()),
        "reference_victims": len(reference),
        "reference_found": len(found),
        "reference_recall": ratio(len(found), len(reference)),
        "flagged_victims_outside_reference": len(victims_flagged - set(reference)),
    }


def mutual_figures(signals: Sequence[Signal], truth: Truth) -> dict[str, Any]:
    index = _plant_index(truth)
    contexts: Counter[str] = Counter()
    for s in signals:
        owners = Counter(index.get(k, ("ordinary", ""))[0] for k in s.keys)
        contexts[owners.most_common(1)[0][0] if owners else "none"] += 1
    return {
        "rule": "mutual_conflict",
        "signals": len(signals),
        "signals_by_context": dict(contexts.most_common()),
    }


def earliest_firing(signals: Sequence[Signal], matches: Sequence[Match]) -> dict[str, list[Key | None]]:
    fired: dict[str, list[Key | None]] = defaultdict(list)
    for s, m in zip(signals, matches, strict=True):
        if m.plant:
            fired[m.plant].append(s.first_fired)
    return dict(fired)


def score(signals: Sequence[Signal], truth: Truth, facts: dict[Key, RegFacts]) -> dict[str, Any]:
    """All figures for one run (see the module); the per-signal matches are returned for the reports."""
    by_rule: dict[str, list[Signal]] = defaultdict(list)
    for s in signals:
        by_rule[s.rule].append(s)
    figures: dict[str, Any] = {
        "signals_by_rule": {rule: len(group) for rule, group in sorted(by_rule.items())},
        "campaigns": len(truth.campaigns),
        "serials": len(truth.serials),
        "confounders": dict(Counter(c.kind for c in truth.confounders)),
    }
    stalking = by_rule.get("possible_stalking", [])
    stalking_matches = match_pair_signals(stalking, truth, facts)
    figures["possible_stalking"] = pair_rule_figures(
        "possible_stalking", stalking, stalking_matches, truth.campaigns
    )
    figures["lead_time"] = lead_times(truth.campaigns, earliest_firing(stalking, stalking_matches), facts)
    escalation = by_rule.get("escalation", [])
    escalation_matches = match_pair_signals(escalation, truth, facts)
    figures["escalation"] = pair_rule_figures(
        "escalation", escalation, escalation_matches, truth.campaigns, wanted=lambda c: c.escalates
    )
    # Campaigns found by any rule about a pair or about the suspect (what a screener would see at all).
    any_matches = match_pair_signals(signals, truth)
    found_any = {m.plant for m in any_matches if m.plant}
    figures["campaigns_found_by_any_rule"] = {
        "found": len(found_any),
        "recall": ratio(len(found_any), len(truth.campaigns)),
    }
    serial = by_rule.get("serial_perpetrator", [])
    serial_matches = match_serial_signals(serial, truth, facts)
    figures["serial_perpetrator"] = serial_figures(serial, serial_matches, truth.serials)
    figures["marac_repeat"] = marac_figures(
        by_rule.get("marac_repeat", []), truth, facts, marac_reference(facts, truth.person_of)
    )
    figures["mutual_conflict"] = mutual_figures(by_rule.get("mutual_conflict", []), truth)
    figures["confounders_flagged"] = confounder_figures(signals, truth.confounders)
    figures["_matches"] = {
        "possible_stalking": stalking_matches,
        "escalation": escalation_matches,
        "serial_perpetrator": serial_matches,
    }
    return figures


# --- reports for the lead: misses and false positives --------------------------------------------------


def miss_report(campaign: Campaign, signals: Sequence[Signal], facts: dict[Key, RegFacts]) -> dict[str, Any]:
    """A campaign possible_stalking missed: what it looked like and which signals touched it."""
    ordered = order_of(campaign, facts)
    mine = set(campaign.registrations)
    touching = [
        {"rule": s.rule, "shared": len(mine & set(s.keys)), "registrations": len(s.keys)}
        for s in signals
        if mine & set(s.keys)
    ]
    days = (facts[ordered[-1]].registered_at - facts[ordered[0]].registered_at).days if ordered else None
    return {
        "plant": campaign.plant,
        "relation": campaign.subkind,
        "shape": campaign.shape,
        "registrations": len(campaign.registrations),
        "span_days": days,
        "has_285b": campaign.has_285b,
        "victim_moved": campaign.victim_moved,
        "serial": campaign.serial,
        "offences": ["+".join(facts[k].offences) or "-" for k in ordered],
        "sources": [k[0] for k in ordered],
        "signals_touching": touching,
    }


def false_positive_report(
    signal: Signal, match: Match, truth: Truth, facts: dict[Key, RegFacts]
) -> dict[str, Any]:
    people = people_of(signal, truth.person_of)
    index = _plant_index(truth)
    return {
        "rule": signal.rule,
        "severity": signal.severity,
        "cause": match.cause,
        "context": match.context,
        "registrations": len(signal.registrations),
        "true_suspect": people.suspect,
        "true_victim": people.victim,
        "distinct_true_suspects": people.suspects,
        "distinct_true_victims": people.victims,
        "registrations_naming_the_pair": people.pair_registrations,
        "first_fired": list(signal.first_fired) if signal.first_fired else None,
        "keys": [list(k) for k in signal.keys],
        "items": [
            {
                "registration": list(r.key),
                "registered_at": facts[r.key].registered_at.isoformat() if r.key in facts else None,
                "offences": list(facts[r.key].offences) if r.key in facts else None,
                "plant": "/".join(index.get(r.key, ("ordinary", ""))).rstrip("/"),
                "suspects": [truth.person_of.get((*r.key, x)) for x in r.suspect_refs],
                "victims": [truth.person_of.get((*r.key, x)) for x in r.victim_refs],
            }
            for r in signal.registrations
        ],
    }
