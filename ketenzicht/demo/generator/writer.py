"""Writing: drafts become exchange-format v1 lines, and every mention a truth line.

Lines are built from dicts in a fixed key order and encoded with fixed separators, so the same drafts give
the same bytes. Times are local Dutch time with the offset of Europe/Amsterdam (CET/CEST by the EU rule,
computed here, so the output does not depend on the machine's time zone database).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import IO, Any

from .events import DAY_MINUTES, Draft
from .noise import PersonWriter
from .params import GeneratorParams


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


class Clock:
    """Minutes since the window's first day 00:00 local time -> ISO 8601 text with offset."""

    def __init__(self, start: dt.date):
        self.start = start
        self._days: dict[int, tuple[str, int, int, str, str]] = {}

    def day(self, index: int) -> tuple[str, int, int, str, str]:
        """(date text, year, minute of the switch or -1, offset before, offset after)."""
        found = self._days.get(index)
        if found is None:
            date = self.start + dt.timedelta(days=index)
            spring, autumn = last_sunday(date.year, 3), last_sunday(date.year, 10)
            if date == spring:
                found = (date.isoformat(), date.year, 120, "+01:00", "+02:00")
            elif date == autumn:
                found = (date.isoformat(), date.year, 180, "+02:00", "+01:00")
            else:
                offset = "+02:00" if spring < date < autumn else "+01:00"
                found = (date.isoformat(), date.year, -1, offset, offset)
            self._days[index] = found
        return found

    def text(self, minute: int) -> str:
        index, within = divmod(minute, DAY_MINUTES)
        date, _, switch, before, after = self.day(index)
        hour, mins = divmod(within, 60)
        if switch < 0 or within < switch:
            offset = before
        else:
            offset = after
            if switch == 120 and hour == 2:
                # 02:xx does not exist on the spring day: the moment is 03:00, when the clock jumps (so
                # that later minutes, 03:xx, never come out earlier, e.g. a registration before its incident)
                hour, mins = 3, 0
        return f"{date}T{hour:02d}:{mins:02d}:00{offset}"

    def date(self, minute: int) -> str:
        return self.day(minute // DAY_MINUTES)[0]

    def year(self, minute: int) -> int:
        return self.day(minute // DAY_MINUTES)[1]


class Writer:
    def __init__(
        self,
        params: GeneratorParams,
        registrations: IO[str],
        truth: IO[str],
        national_prefixes: dict[str, str],
    ):
        self.params = params
        self.out = registrations
        self.truth_out = truth
        self.persons = PersonWriter(params)
        self.clock = Clock(params.window.start_date)
        self.national_prefixes = national_prefixes
        self.counters: dict[str, int] = {}
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.registrations = 0
        self.mentions = 0

    def reference(self, draft: Draft, year: int) -> str:
        m = draft.municipality
        source = draft.source
        # Each in the numbering of the organisation the registration belongs to (organisations.csv).
        if source == "politie":
            prefix = m.police_prefix
        elif source == "veilig_thuis":
            prefix = m.vt_prefix
        elif source == "om":
            prefix = m.om_prefix
        else:
            prefix = self.national_prefixes[source]
        key = f"{prefix}-{year}-"
        seq = self.counters.get(key, 0) + 1
        self.counters[key] = seq
        return f"{key}{seq:06d}"

    def write(self, draft: Draft, rng: random.Random) -> tuple[str, str]:
        clock = self.clock
        year = clock.year(draft.minute)
        reference = self.reference(draft, year)
        line: dict[str, Any] = {"source": draft.source, "reference": reference, "kind": draft.kind}
        if draft.occurred is not None:
            line["occurred_at"] = (
                clock.date(draft.occurred) if draft.occurred_date_only else clock.text(draft.occurred)
            )
        line["registered_at"] = clock.text(draft.minute)
        if draft.source == "politie":
            line["unit"] = draft.municipality.unit
        line["municipality"] = draft.municipality.code
        if draft.offences:
            line["offences"] = draft.offences
        if draft.summary:
            line["summary"] = draft.summary
        notification = draft.kind == "melding"
        born_by = clock.date(draft.occurred if draft.occurred is not None else draft.minute)
        persons = []
        write_person = self.persons.write
        for i, mention in enumerate(draft.mentions):
            ref = f"p{i + 1}"
            if mention.written is not None:
                persons.append({"ref": ref, "role": mention.role, **mention.written})
            else:
                persons.append(
                    write_person(
                        mention.person, ref, mention.role, rng, notification=notification, born_by=born_by
                    )
                )
        line["persons"] = persons
        if draft.relations:
            line["relations"] = [
                {"from": f"p{a + 1}", "to": f"p{b + 1}", "kind": k} for a, b, k in draft.relations
            ]
        if draft.extra:
            line.update(draft.extra)
        self.out.write(self.encode(line))
        self.out.write("\n")
        source = draft.source
        truth = self.truth_out.write
        for i, mention in enumerate(draft.mentions):
            truth(f'{{"mention":["{source}","{reference}","p{i + 1}"],"person":"{mention.person.tid}"}}\n')
        self.registrations += 1
        self.mentions += len(draft.mentions)
        return source, reference

    def fact(self, fact: dict[str, Any]) -> None:
        self.truth_out.write(self.encode(fact))
        self.truth_out.write("\n")
