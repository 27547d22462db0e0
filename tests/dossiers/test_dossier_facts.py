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


def test_the_heading_names_the_person_by_the_list_name_and_companions_by_theirs() -> None:
    def spelt(pk: int, given: str, prefix: str, surname: str, days_ago: int) -> tuple[Any, ...]:
        when = NOW - dt.timedelta(days=days_ago)
        return (pk, "victim", given, prefix, surname, "", 30 + pk, "politie", f"R{pk}", "aangifte", when,
                when, 0.99, "online")  # fmt: skip

    facts = dossier_facts(
        mentions=[
            spelt(1, "Marike", "de", "Graaf", 30),
            spelt(2, "Marieke", "de", "Graaf", 20),
            spelt(3, "Marieke", "", "Graaf, de", 10),
        ],
        offences={},
        reviews={},
        others=[
            (40, 31, "suspect", "E.J.", None, "Scholten", 8),
            (41, 33, "witness", "Piet", "", "Berg, van", None),
        ],
        relations=[],
        labels=Labels(roles={}, relations={}, sources={}),
        now=NOW,
        person_names={8: "Erik Scholten"},  # his list name among everything the reader may see
    )
    # Written "de Graaf" twice (once with the prefix after the surname), "Marike" once: the first wins,
    # though the first registration and the latest spell her otherwise.
    assert facts.name == "Marieke de Graaf"
    assert sorted(facts.names) == ["Marieke Graaf, de", "Marieke de Graaf", "Marike de Graaf"]  # as written
    assert {c.name for c in facts.companions} == {"Erik Scholten", "Piet van Berg"}
    # Each registration's own line keeps what it wrote.
    assert [line.others for line in facts.lines] == [["E.J. Scholten"], [], ["Piet Berg, van"]]
