"""`generate()`: walk the window day by day and write registrations in registered_at order.

Each day: plants that start today are planned whole (their future registrations go into a heap), the day's
planted registrations and follow-ups come out of the heap, ordinary registrations fill the day's share of N,
and the day's drafts are written sorted by time. Memory holds one day's drafts, the heap of planned future
registrations (active plants and follow-ups) and a bounded household cache, whatever N is.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .events import DAY_MINUTES, Draft, Ordinary
from .params import GeneratorParams, load_params
from .plants import Planter
from .population import Population
from .reference import load_reference
from .rng import DAY, NOISE, stream
from .storylines import storyline_drafts
from .summaries import Summaries
from .writer import Writer

REGISTRATIONS_FILE = "registrations.jsonl"
TRUTH_FILE = "truth.jsonl"


@dataclass(frozen=True)
class Result:
    registrations: int
    mentions: int
    patterns: int
    confounders: int
    serials: int
    storylines: int
    seconds: float


class Generator:
    """The parts of a run, for callers that need more than files (tests, the demo loader)."""

    def __init__(self, seed: int, params: GeneratorParams | None = None):
        self.seed = seed
        self.params = params or load_params()
        self.reference = load_reference()
        self.population = Population(seed, self.params, self.reference)
        self.summaries = Summaries()
        self.ordinary = Ordinary(self.params, self.population, self.summaries)
        self.planter = Planter(seed, self.params, self.population, self.ordinary, self.summaries)

    def day_targets(self, n: int) -> list[int]:
        """Cumulative number of registrations due by the end of each day (weekday weights)."""
        window = self.params.window
        weights = self.params.events.weekday_weights
        start = window.start_date.weekday()
        days = [weights[(start + d) % 7] for d in range(window.days)]
        total = sum(days)
        return [round(n * c / total) for c in itertools.accumulate(days)]

    def run(
        self,
        n: int,
        out_dir: Path,
        *,
        storylines: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> Result:
        began = time.perf_counter()
        out_dir.mkdir(parents=True, exist_ok=True)
        window = self.params.window
        end_minute = window.days * DAY_MINUTES
        targets = self.day_targets(n)
        heap: list[tuple[int, int, Draft]] = []
        order = itertools.count()
        counts = {"pattern": 0, "confounder": 0, "serial": 0, "storyline": 0}

        def push(drafts: list[Draft]) -> None:
            for draft in drafts:
                if 0 <= draft.minute < end_minute:
                    heapq.heappush(heap, (draft.minute, next(order), draft))

        if storylines:
            story = storyline_drafts(self.params, self.population)
            counts["storyline"] = len(story)
            push(story)

        planter, ordinary = self.planter, self.ordinary
        emitted = 0
        with (
            (out_dir / REGISTRATIONS_FILE).open(
                "w", encoding="utf-8", newline="\n", buffering=1 << 20
            ) as reg,
            (out_dir / TRUTH_FILE).open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as truth,
        ):
            writer = Writer(self.params, reg, truth, self.reference.national_prefixes)
            previous = 0
            for day in range(window.days):
                rng = stream(self.seed, DAY, day)
                quota = targets[day] - previous
                previous = targets[day]
                for kind, per_1000 in planter.rates:
                    expected = per_1000 / 1000 * quota
                    starts = int(expected) + (rng.random() < expected - int(expected))
                    for _ in range(starts):
                        push(planter.start(kind, day))
                push(ordinary.follow_ups)
                ordinary.follow_ups.clear()
                day_end = (day + 1) * DAY_MINUTES
                drafts: list[Draft] = []
                while heap and heap[0][0] < day_end:
                    drafts.append(heapq.heappop(heap)[2])
                for _ in range(max(0, targets[day] - emitted - len(drafts))):
                    drafts.append(ordinary.draft(ordinary.kinds.draw(rng), rng, day))
                push(ordinary.follow_ups)
                ordinary.follow_ups.clear()
                drafts.sort(key=lambda d: d.minute)
                noise = stream(self.seed, NOISE, day)
                for draft in drafts:
                    source, reference = writer.write(draft, noise)
                    plant = draft.plant
                    if plant is not None:
                        date = writer.clock.date(draft.minute)
                        unit = draft.municipality.unit if source == "politie" else ""
                        if plant.record(source, reference, date, unit, draft.facts):
                            writer.fact(plant.truth())
                            counts[plant.category] += 1
                            serial = plant.serial
                            if serial is not None:
                                serial.finished += 1
                                if serial.finished == len(serial.campaigns):
                                    writer.fact(serial.truth())
                                    counts["serial"] += 1
                emitted += len(drafts)
                if progress is not None:
                    progress(emitted)
        return Result(
            registrations=writer.registrations,
            mentions=writer.mentions,
            patterns=counts["pattern"],
            confounders=counts["confounder"],
            serials=counts["serial"],
            storylines=counts["storyline"],
            seconds=time.perf_counter() - began,
        )


def generate(
    n_registrations: int,
    seed: int,
    out_dir: Path | str,
    params: GeneratorParams | None = None,
    *,
    storylines: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Write `out_dir/registrations.jsonl` (exchange format v1) and `out_dir/truth.jsonl`."""
    return Generator(seed, params).run(
        n_registrations, Path(out_dir), storylines=storylines, progress=progress
    )
