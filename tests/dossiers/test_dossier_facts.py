"""The dossier's counting, without a database: lines, counts per role and period, companions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ketenzicht.dossiers.engine.dossier import Labels, dossier_facts

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Offence:
    article: str
    long_label: str
    violence: bool = False
    measure_breach: bool = False


def mention(
    pk: int, registration: int, role: str, when: dt.datetime, source: str = "politie"
) -> tuple[Any, ...]:
    return (pk, role, "Dennis", "van der", "Linden", "1980-03-00", registration, source, f"R{registration}",
            "aangifte", when, when, 0.99, "online")  # fmt: skip


def test_counts_split_by_role_and_the_last_twelve_months() -> None:
    stalking = Offence("285b", "art. 285b Sr – stalking")
    threat = Offence("285", "art. 285 Sr – threat", violence=True)
    facts = dossier_facts(
        mentions=[
            mention(1, 10, "suspect", NOW - dt.timedelta(days=800)),
            mention(2, 11, "suspect", NOW - dt.timedelta(days=30)),
            mention(3, 12, "victim", NOW - dt.timedelta(days=10), source="vt"),
        ],
        offences={10: [threat], 11: [stalking, threat]},
        reviews={2: 99},
        others=[
            (20, 11, "victim", "Sandra", None, "Bakker", 7),
            (21, 12, "witness", "Piet", None, "Smit", None),
        ],
        relations=[(2, 20, "ex_partner")],
        labels=Labels(roles={"suspect": "Suspect"}, relations={"ex_partner": "Ex-partner"}, sources={}),
        now=NOW,
    )
    assert (facts.totals.suspect, facts.totals.victim, facts.totals.other) == (2, 1, 0)
    assert (facts.last_12_months.suspect, facts.last_12_months.victim) == (1, 1)
    assert [(row.label, row.total) for row in facts.by_offence] == [
        ("art. 285 Sr – threat", 2),
        ("art. 285b Sr – stalking", 1),
    ]
    assert [row.label for row in facts.by_year] == ["2024", "2026"]
    second = facts.lines[1]
    assert (second.stalking, second.violence, second.doubtful, second.others) == (
        True,
        True,
        True,
        ["Sandra Bakker"],
    )
    assert second.role_label == "Suspect"
    assert facts.lines[2].registration.get_source_display() == "vt"
    # Companions: most registrations together first, then by name.
    assert [(c.person_id, c.name, c.relations) for c in facts.companions] == [
        (None, "Piet Smit", []),
        (7, "Sandra Bakker", ["Ex-partner"]),
    ]
    assert facts.names == ["Dennis van der Linden"]
