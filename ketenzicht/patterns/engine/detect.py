"""Which rules fire for which pair, suspect or victim, since when, on which registrations, and why.

Every rule is evaluated as the register grew: after each registration of its subject, in order of
registration, looking only at what was known then. The first registration after which it fires is the one
that made it fire (`first_event`); the evaluation after the latest registration gives the current reasons
and severity. A signal that fired once stays a finding (`active` tells whether it still holds now)."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .events import Event
from .history import Episode, History, Pair, episodes_of, sort_key
from .rules import (
    SEVERITY_ORDER,
    Escalation,
    MutualConflict,
    PossibleStalking,
    RepeatVictimisation,
    RuleSet,
    SerialPerpetrator,
)
from .words import WordMatcher

Value = int | float | str


@dataclass(frozen=True, slots=True)
class BreachNote:
    """One breach of a protective measure behind a reason: its registration and day, and the measure it
    breaches when the measures registry found one protecting the pair's victim from its suspect (else the
    registration only says it is a breach: `measure` and `what` empty, `on` when it was registered)."""

    registration: int
    on: str  # ISO date the breach happened, or ISO time the registration was registered
    measure: str = ""  # the measure's reference
    what: str = ""  # events.CONTACT_BAN, AREA_BAN or MEASURE


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature against its threshold: `code` names it (the app words it), `met` says whether it holds.
    `breaches`: the breaches of measures the feature counts, for the app to name."""

    code: str
    value: Value
    threshold: Value | None = None
    met: bool = True
    breaches: tuple[BreachNote, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    fires: bool
    severity: str = ""
    reasons: tuple[Reason, ...] = ()


NOT = Evaluation(False)


@dataclass(slots=True)
class Finding:
    rule: str
    suspect: int | None  # None for a rule about a victim
    victim: int | None  # None for a rule about a suspect
    severity: str
    first_event: Event
    last_event: Event
    events: list[Event]
    reasons: tuple[Reason, ...]
    active: bool
    # per event id: (refs of the suspect side, refs of the victim side) in that registration
    refs: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int | None, int | None]:
        return (self.rule, self.suspect, self.victim)

    @property
    def unit(self) -> str:
        """The police unit of the latest registration that has one."""
        for event in reversed(self.events):
            if event.unit:
                return event.unit
        return ""


Sides = Callable[[Event], tuple[tuple[str, ...], tuple[str, ...]]]


def _sides(suspect: int, victim: int) -> Sides:
    """The mention refs of the suspect and of the victim in an event."""

    def sides(event: Event) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (event.refs_of(suspect), event.refs_of(victim))

    return sides


def _breach_notes(episodes: Iterable[Episode], pair: Pair) -> tuple[BreachNote, ...]:
    """The breaches of measures in a pair's episodes: per breaching registration, each measure protecting
    the victim from the suspect it breaches, or the registration alone when it says it is a breach and no
    such measure was found."""
    notes: list[BreachNote] = []
    for episode in episodes:
        for event in episode.events:
            if not event.breach_for(pair):
                continue
            found = event.breaches_of(*pair)
            if not found:
                notes.append(BreachNote(event.id, event.at.isoformat()))
            notes += [BreachNote(event.id, b.on.isoformat(), b.measure, b.what) for b in found]
    return tuple(notes)


def _window(episodes: list[Episode], at: datetime, days: int) -> list[Episode]:
    since = at - timedelta(days=days)
    return [e for e in episodes if since < e.start <= at]


def _upto(events: list[Event], at: datetime, last_id: int) -> list[Event]:
    return [e for e in events if sort_key(e) <= (at, last_id)]


class Detector:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.matcher = WordMatcher(rules.words.lists)
        self.danger = frozenset(rules.words.danger)
        self.stalking = frozenset(rules.words.stalking)
        self.mutual = frozenset(rules.words.mutual)

    # words

    def words(self, summary: str) -> frozenset[str]:
        return self.matcher.categories_in(summary)

    def both_ways(self, ahead: list[Episode], back: list[Episode]) -> float:
        """The share of a pair's episodes that went the other way; an episode whose summary says both sides
        took part counts both ways."""
        mutual = sum(1 for ep in ahead if ep.words & self.mutual)
        total = len(ahead) + len(back) + mutual
        return (len(back) + mutual) / total if total else 0.0

    # the whole detection

    def detect(self, events: Iterable[Event], persons: Collection[int] | None = None) -> list[Finding]:
        """Findings over `events`. With `persons`, only subjects touching them: pairs with one of them
        (the events of a pair involve both, so they are complete), suspects and victims among them (whose
        every event the caller must have passed)."""
        history = History(events, infer_homes=self.rules.relations.infer_from_homes)
        touched = set(persons) if persons is not None else None
        pairs = [p for p in history.by_pair if touched is None or p[0] in touched or p[1] in touched]
        findings: list[Finding] = []
        fired: dict[str, dict[Pair, Finding]] = {}
        for rule in self.rules.rules:
            if isinstance(rule, PossibleStalking | Escalation):
                found = self._pairs(history, pairs, rule)
                fired[rule.name] = {(f.suspect or 0, f.victim or 0): f for f in found}
                findings += found
            elif isinstance(rule, MutualConflict):
                findings += self._mutual(history, pairs, rule)
        for rule in self.rules.rules:
            if isinstance(rule, RepeatVictimisation):
                victims = [v for v in history.suspects_of if touched is None or v in touched]
                findings += [f for v in victims if (f := self._repeat(history, v, rule)) is not None]
            elif isinstance(rule, SerialPerpetrator):
                suspects = [s for s in history.victims_of if touched is None or s in touched]
                findings += [f for s in suspects if (f := self._serial(history, s, rule, fired)) is not None]
        return findings

    # scanning a subject's events in order

    def _scan(
        self, timeline: list[Event], evaluate: Callable[[datetime, int], Evaluation]
    ) -> tuple[Event, Event, Evaluation] | None:
        """First event after which `evaluate` fires, the latest event, and the evaluation after it."""
        first: Event | None = None
        for event in timeline:
            if evaluate(event.at, event.id).fires:
                first = event
                break
        if first is None:
            return None
        last = timeline[-1]
        return first, last, evaluate(last.at, last.id)

    def _finding(
        self,
        rule: str,
        suspect: int | None,
        victim: int | None,
        scanned: tuple[Event, Event, Evaluation],
        events: list[Event],
        evaluate: Callable[[datetime, int], Evaluation],
        sides: Sides,
    ) -> Finding:
        first, last, now = scanned
        if now.fires:
            severity, reasons = now.severity, now.reasons
        else:  # it fired once and holds no more: the highest severity it reached, the reasons it last had
            severity, reasons = "", now.reasons
            for event in events:
                if sort_key(event) < sort_key(first):
                    continue
                then = evaluate(event.at, event.id)
                if then.fires:
                    reasons = then.reasons
                    if SEVERITY_ORDER[then.severity] > SEVERITY_ORDER.get(severity, 0):
                        severity = then.severity
        return Finding(
            rule=rule,
            suspect=suspect,
            victim=victim,
            severity=severity,
            first_event=first,
            last_event=last,
            events=events,
            reasons=reasons,
            active=now.fires,
            refs={e.id: sides(e) for e in events},
        )

    # pair rules

    def _pairs(
        self, history: History, pairs: list[Pair], rule: PossibleStalking | Escalation
    ) -> list[Finding]:
        found: list[Finding] = []
        for pair in pairs:
            forward = history.events(pair)
            if not forward:
                continue
            reverse = history.events((pair[1], pair[0]))
            if len(forward) < 2:
                continue
            timeline = sorted({e.id: e for e in [*forward, *reverse]}.values(), key=sort_key)

            def evaluate(
                at: datetime,
                last_id: int,
                pair: Pair = pair,
                forward: list[Event] = forward,
                reverse: list[Event] = reverse,
            ) -> Evaluation:
                if isinstance(rule, PossibleStalking):
                    return self._stalking(
                        history, pair, _upto(forward, at, last_id), _upto(reverse, at, last_id), at, rule
                    )
                return self._escalation(
                    pair, _upto(forward, at, last_id), _upto(reverse, at, last_id), at, rule
                )

            scanned = self._scan(timeline, evaluate)
            if scanned is None:
                continue
            suspect, victim = pair
            found.append(
                self._finding(
                    rule.name,
                    suspect,
                    victim,
                    scanned,
                    forward,
                    evaluate,
                    _sides(suspect, victim),
                )
            )
        return found

    def episode_weight(self, episode: Episode, rule: PossibleStalking) -> float:
        weight = 0.0
        for event in episode.events:
            if event.breach:
                weight = max(weight, rule.breach)
            elif event.offences:
                weight = max(
                    weight,
                    max(rule.offence_weights.get(o.article, rule.other_offence) for o in event.offences),
                )
            else:
                weight = max(weight, rule.no_offence)
        if episode.words & self.stalking:
            weight += rule.stalking_words
        if episode.words & self.danger:
            weight += rule.danger_words
        return weight

    def _stalking(
        self,
        history: History,
        pair: Pair,
        forward: list[Event],
        reverse: list[Event],
        at: datetime,
        rule: PossibleStalking,
    ) -> Evaluation:
        config = self.rules.episodes
        ahead = _window(episodes_of(forward, config, pair), at, rule.window_days)
        if len(ahead) < 2:
            return NOT
        back = _window(episodes_of(reverse, config, (pair[1], pair[0])), at, rule.window_days)
        relation = history.relation(pair, at)
        factor = (
            rule.relation_factor.get(relation, rule.unknown_relation) if relation else rule.unknown_relation
        )
        score = factor * sum(self.episode_weight(e, rule) for e in ahead)
        share = self.both_ways(ahead, back)
        units = {e.unit for ep in ahead for e in ep.events if e.unit}
        reasons = [
            Reason("episodes", len(ahead), rule.min_episodes, len(ahead) >= rule.min_episodes),
            Reason("score", round(score, 2), rule.min_score, score >= rule.min_score),
            Reason("relation", relation or "unknown", None, factor > 0),
            Reason("reverse_share", round(share, 2), rule.max_reverse_share, share < rule.max_reverse_share),
            Reason("offence_kinds", len({a for ep in ahead for a in ep.articles} or {"none"}), None),
        ]
        stalking_words = sorted({w for ep in ahead for w in ep.words & self.stalking})
        danger_words = sorted({w for ep in ahead for w in ep.words & self.danger})
        if stalking_words:
            reasons.append(Reason("stalking_words", ", ".join(stalking_words)))
        if danger_words:
            reasons.append(Reason("danger_words", ", ".join(danger_words)))
        breaches = sum(1 for ep in ahead if ep.breach)
        if breaches:
            reasons.append(Reason("breach", breaches, breaches=_breach_notes(ahead, pair)))
        if len(units) > 1:
            reasons.append(Reason("units", len(units)))
        fires = all(r.met for r in reasons)
        if not fires:
            return Evaluation(False, "", tuple(reasons))
        high = len(ahead) >= rule.high_at_episodes or (rule.high_with_danger_words and bool(danger_words))
        return Evaluation(True, "high" if high else "medium", tuple(reasons))

    def _escalation(
        self, pair: Pair, forward: list[Event], reverse: list[Event], at: datetime, rule: Escalation
    ) -> Evaluation:
        ahead = _window(episodes_of(forward, self.rules.episodes, pair), at, rule.window_days)
        if len(ahead) < rule.min_episodes:
            return NOT
        back = _window(episodes_of(reverse, self.rules.episodes, (pair[1], pair[0])), at, rule.window_days)
        if self.both_ways(ahead, back) >= rule.max_reverse_share:
            return NOT
        latest, earlier = ahead[-1], ahead[:-1]
        met: dict[str, Reason] = {}
        danger = sorted({w for ep in ahead for w in ep.words & self.danger})
        if danger:
            met["danger_words"] = Reason("danger_words", ", ".join(danger))
        breaches = sum(1 for ep in ahead if ep.breach)
        if breaches:
            met["breach"] = Reason("breach", breaches, breaches=_breach_notes(ahead, pair))
        if latest.violence and not any(ep.violence for ep in earlier):
            met["first_violence"] = Reason("first_violence", latest.severity)
        before = max(ep.severity for ep in earlier)
        if latest.severity and latest.severity >= before + rule.severity_rise:
            met["severity"] = Reason("severity_rise", latest.severity - before, rule.severity_rise)
        if len(ahead) >= rule.frequency_min_episodes:
            gaps = [(b.start - a.start).total_seconds() / 86400 for a, b in itertools.pairwise(ahead)]
            early, late = statistics.fmean(gaps[:-2] or gaps[:1]), statistics.fmean(gaps[-2:])
            if early > 0 and late <= rule.frequency_ratio * early:
                met["frequency"] = Reason("frequency", round(late / early, 2), rule.frequency_ratio)
        triggers = [met[t] for t in rule.triggers if t in met]
        if not triggers:
            return NOT
        reasons = (Reason("episodes", len(ahead), rule.min_episodes), *triggers)
        high = any(t in met for t in rule.high_triggers)
        return Evaluation(True, "high" if high else "medium", reasons)

    def _mutual(self, history: History, pairs: list[Pair], rule: MutualConflict) -> list[Finding]:
        found: list[Finding] = []
        for a, b in {(min(p), max(p)) for p in pairs}:
            one, other = history.events((a, b)), history.events((b, a))
            if len(one) + len(other) < rule.min_episodes:
                continue
            timeline = sorted({e.id: e for e in [*one, *other]}.values(), key=sort_key)

            def evaluate(
                at: datetime,
                last_id: int,
                one: list[Event] = one,
                other: list[Event] = other,
                pair: Pair = (a, b),
            ) -> Evaluation:
                config = self.rules.episodes
                back = (pair[1], pair[0])
                xs = _window(episodes_of(_upto(one, at, last_id), config, pair), at, rule.window_days)
                ys = _window(episodes_of(_upto(other, at, last_id), config, back), at, rule.window_days)
                # an episode whose summary says both sides took part counts for the other way too
                x = len(xs) + sum(1 for ep in ys if ep.words & self.mutual)
                y = len(ys) + sum(1 for ep in xs if ep.words & self.mutual)
                total = len(xs) + len(ys)
                if total < rule.min_episodes:
                    return NOT
                share = min(x, y) / (x + y)
                fires = min(x, y) >= rule.min_each_way and share >= rule.min_reverse_share
                reasons = (
                    Reason("episodes", total, rule.min_episodes),
                    Reason("each_way", f"{x} / {y}", rule.min_each_way, min(x, y) >= rule.min_each_way),
                    Reason(
                        "reverse_share",
                        round(share, 2),
                        rule.min_reverse_share,
                        share >= rule.min_reverse_share,
                    ),
                )
                return Evaluation(fires, rule.severity if fires else "", reasons)

            scanned = self._scan(timeline, evaluate)
            if scanned is None:
                continue

            def sides(e: Event, a: int = a, b: int = b) -> tuple[tuple[str, ...], tuple[str, ...]]:
                pairs_here = e.pairs()
                if (b, a) in pairs_here and (a, b) not in pairs_here:
                    return (e.refs_of(b), e.refs_of(a))
                return (e.refs_of(a), e.refs_of(b))

            found.append(self._finding(rule.name, a, b, scanned, timeline, evaluate, sides))
        return found

    # victim and suspect rules

    def _domestic_pairs(self, history: History, pairs: Iterable[Pair], relations: list[str]) -> list[Pair]:
        return [p for p in pairs if history.relation(p) in relations]

    def _repeat(self, history: History, victim: int, rule: RepeatVictimisation) -> Finding | None:
        suspects = history.suspects_of[victim]
        if sum(len(history.events((s, victim))) for s in suspects) < rule.min_incidents:
            return None  # too few registrations to make the count, whatever the relations
        pairs = self._domestic_pairs(
            history, [(s, victim) for s in history.suspects_of[victim]], rule.domestic_relations
        )
        if not pairs:
            return None
        events = sorted({e.id: e for p in pairs for e in history.events(p)}.values(), key=sort_key)
        if len(events) < rule.min_incidents:
            return None

        def evaluate(at: datetime, last_id: int) -> Evaluation:
            count = sum(
                len(
                    _window(
                        episodes_of(_upto(history.events(p), at, last_id), self.rules.episodes, p),
                        at,
                        rule.window_days,
                    )
                )
                for p in pairs
            )
            fires = count >= rule.min_incidents
            reasons = (
                Reason("dv_incidents", count, rule.min_incidents, fires),
                Reason("suspects", len(pairs)),
            )
            return Evaluation(fires, rule.severity if fires else "", reasons)

        scanned = self._scan(events, evaluate)
        if scanned is None:
            return None
        involved = {s for s, _ in pairs}
        return self._finding(
            rule.name,
            None,
            victim,
            scanned,
            events,
            evaluate,
            lambda e: (tuple(r for s in involved for r in e.refs_of(s)), e.refs_of(victim)),
        )

    def _serial(
        self, history: History, suspect: int, rule: SerialPerpetrator, fired: dict[str, dict[Pair, Finding]]
    ) -> Finding | None:
        victims = history.victims_of[suspect]
        if len(victims) < rule.min_victims:
            return None
        # when each victim's pair first qualified, and on which events
        qualified: dict[int, tuple[tuple[datetime, int], list[Event]]] = {}
        for victim in victims:
            pair = (suspect, victim)
            since: list[tuple[datetime, int]] = []
            for name in rule.pattern_rules:
                finding = fired.get(name, {}).get(pair)
                if finding is not None:
                    since.append(sort_key(finding.first_event))
            events = history.events(pair)
            if (
                len(events) >= rule.min_domestic_episodes
                and history.relation(pair) in rule.domestic_relations
            ):
                episodes = episodes_of(events, self.rules.episodes, pair)
                if len(episodes) >= rule.min_domestic_episodes:
                    since.append(sort_key(episodes[rule.min_domestic_episodes - 1].events[0]))
            if since:
                qualified[victim] = (min(since), history.events(pair))
        if len(qualified) < rule.min_victims:
            return None
        events = sorted({e.id: e for _, evs in qualified.values() for e in evs}.values(), key=sort_key)

        def evaluate(at: datetime, last_id: int) -> Evaluation:
            now = (at, last_id)
            since = now[0] - timedelta(days=rule.window_days)
            count = sum(
                1
                for first, evs in qualified.values()
                if first <= now and any(since < e.at and sort_key(e) <= now for e in evs)
            )
            fires = count >= rule.min_victims
            return Evaluation(
                fires, rule.severity if fires else "", (Reason("victims", count, rule.min_victims, fires),)
            )

        scanned = self._scan(events, evaluate)
        if scanned is None:
            return None
        victims_found = set(qualified)
        return self._finding(
            rule.name,
            suspect,
            None,
            scanned,
            events,
            evaluate,
            lambda e: (e.refs_of(suspect), tuple(r for v in victims_found for r in e.refs_of(v))),
        )
