"""Histories: the events of each directed suspect-victim pair, grouped into episodes."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .events import Event
from .rules import Episodes

Pair = tuple[int, int]  # (suspect person, victim person)


@dataclass(slots=True)
class Episode:
    """One happening of a pair: the registration that told of it first, and partners' follow-ups."""

    events: list[Event] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    pair: Pair | None = None  # whose episode it is (a breach of a measure counts for its own pair only)

    @property
    def start(self) -> datetime:
        return self.events[0].at

    @property
    def breach(self) -> bool:
        return any(e.breach_for(self.pair) for e in self.events)

    @property
    def violence(self) -> bool:
        return any(e.violence for e in self.events)

    @property
    def severity(self) -> int:
        return max(e.severity for e in self.events)

    @property
    def articles(self) -> frozenset[str]:
        return frozenset().union(*(e.articles for e in self.events))


def sort_key(event: Event) -> tuple[datetime, int]:
    return (event.at, event.id)


def episodes_of(events: Sequence[Event], config: Episodes, pair: Pair | None = None) -> list[Episode]:
    """Episodes of one pair's events (in time order). A registration of a follow-up source within
    `follow_up_days` after the start of the latest episode joins it when that episode has none of its source
    yet (Veilig Thuis following up the police's incident); a breach always starts a new one, and so does a
    partner's second registration (a series of Veilig Thuis notifications is a series of episodes). `pair`:
    whose events they are, for the breaches of measures protecting its victim from its suspect."""
    follow = timedelta(days=config.follow_up_days)
    sources = set(config.follow_up_sources)
    found: list[Episode] = []
    for event in events:
        last = found[-1] if found else None
        if (
            last is not None
            and event.source in sources
            and not event.breach_for(pair)
            and event.at - last.start <= follow
            and all(e.source != event.source for e in last.events)
        ):
            last.events.append(event)
        else:
            last = Episode([event], pair=pair)
            found.append(last)
        last.words |= event.words
    return found


class History:
    """Every event by directed pair, with the persons each suspect and victim meets."""

    def __init__(self, events: Iterable[Event], *, infer_homes: bool = False):
        self.infer_homes = infer_homes
        by_pair: dict[Pair, list[Event]] = defaultdict(list)
        for event in events:
            for pair in event.pairs():
                by_pair[pair].append(event)
        for pair_events in by_pair.values():
            pair_events.sort(key=sort_key)
        self.by_pair: dict[Pair, list[Event]] = dict(by_pair)
        self._relations: dict[Pair, list[tuple[datetime, str]]] = {}
        self.victims_of: dict[int, list[int]] = defaultdict(list)
        self.suspects_of: dict[int, list[int]] = defaultdict(list)
        for suspect, victim in self.by_pair:
            self.victims_of[suspect].append(victim)
            self.suspects_of[victim].append(suspect)

    def events(self, pair: Pair) -> list[Event]:
        return self.by_pair.get(pair, [])

    def relation(self, pair: Pair, until: datetime | None = None) -> str:
        """The latest relation written down between the two persons (either direction) up to `until`,
        "" if none; with `infer_homes`, a pair with no relation written down at all that was registered at
        one home is "household", at homes next door "neighbour", from then on."""
        a, b = pair
        key = (a, b) if a < b else (b, a)
        written = self._relations.get(key)
        if written is None:
            timeline = sorted({e.id: e for e in [*self.events((a, b)), *self.events((b, a))]}.values(),
                              key=sort_key)  # fmt: skip
            written = [(e.at, kind) for e in timeline if (kind := e.relation_between(a, b))]
            if not written and self.infer_homes:
                # Never written down: two persons registered at one home live together (a household);
                # at homes next door, they are neighbours.
                written = [
                    (e.at, "household" if e.live_together(a, b) else "neighbour")
                    for e in timeline
                    if e.live_together(a, b) or e.live_next_door(a, b)
                ][:1]
            self._relations[key] = written
        if not written:
            return ""
        if until is None:
            return written[-1][1]
        index = bisect.bisect_right(written, until, key=lambda item: item[0])
        return written[index - 1][1] if index else ""
