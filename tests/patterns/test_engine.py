"""The engine beyond the golden cases: episodes, restricted detection, signals that stop holding, word lists,
the rule file's validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from ketenzicht.patterns.detector import RULES_PATH
from ketenzicht.patterns.engine.detect import Detector
from ketenzicht.patterns.engine.events import Event, Party, home_key, neighbours
from ketenzicht.patterns.engine.history import episodes_of
from ketenzicht.patterns.engine.rules import load_rules
from ketenzicht.patterns.engine.words import WordMatcher

from .golden import START, events_of, offences


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules(RULES_PATH))


def event(index: int, day: int, suspect: int, victim: int, source: str = "politie", **kw: object) -> Event:
    return Event(
        id=index,
        source=source,
        reference=f"E-{index}",
        kind=str(kw.pop("kind", "aangifte")),
        at=START + dt.timedelta(days=day),
        parties=(Party(suspect, "suspect", "p1"), Party(victim, "victim", "p2")),
        **kw,  # type: ignore[arg-type]
    )


def test_partner_follow_ups_join_the_episode_and_breaches_never_do(detector: Detector) -> None:
    config = detector.rules.episodes
    events = [
        event(1, 0, 1, 2, offences=(offences()["300"],)),
        event(2, 5, 1, 2, source="veilig_thuis", kind="melding"),
        event(3, 12, 1, 2, source="om", kind="melding", offences=(offences()["300"],)),
        event(4, 20, 1, 2, source="reclassering", kind="overtreding_maatregel"),
        event(5, 70, 1, 2, source="veilig_thuis", kind="melding"),
    ]
    episodes = episodes_of(events, config)
    assert [[e.id for e in ep.events] for ep in episodes] == [[1, 2, 3], [4], [5]]


def test_detecting_for_some_persons_gives_their_findings_as_detecting_for_all(detector: Detector) -> None:
    case = {
        "registrations": [
            {"day": 0, "offences": ["285"], "suspect": "S", "victim": "V", "relation": "ex_partner"},
            {"day": 10, "offences": ["350"], "suspect": "S", "victim": "V"},
            {"day": 20, "offences": ["300"], "suspect": "X", "victim": "Y", "relation": "partner"},
            {"day": 30, "offences": ["300"], "suspect": "X", "victim": "Y"},
            {"day": 40, "offences": ["300"], "suspect": "X", "victim": "Y"},
        ]
    }
    events, ids = events_of(case, detector)
    everything = {f.key: f.first_event.id for f in detector.detect(events)}
    touching_s = {f.key: f.first_event.id for f in detector.detect(events, persons=[ids["S"]])}
    assert touching_s and all(everything[key] == first for key, first in touching_s.items())
    assert all(ids["S"] in (f[1], f[2]) for f in touching_s)
    assert ("marac_repeat", None, ids["Y"]) in everything and (
        "marac_repeat",
        None,
        ids["Y"],
    ) not in touching_s


def test_a_signal_that_stops_holding_keeps_its_severity_and_last_reasons(detector: Detector) -> None:
    case = {
        "registrations": [
            {"day": 0, "offences": ["285"], "suspect": "S", "victim": "V", "relation": "ex_partner"},
            {
                "day": 10,
                "offences": ["285"],
                "suspect": "S",
                "victim": "V",
                "summary": "V dreigde A te vermoorden.",
            },
            # much later the victim is registered against him three times: contact both ways now
            {"day": 300, "offences": ["266"], "suspect": "V", "victim": "S"},
            {"day": 301, "offences": ["266"], "suspect": "V", "victim": "S"},
            {"day": 302, "offences": ["266"], "suspect": "V", "victim": "S"},
        ]
    }
    events, ids = events_of(case, detector)
    finding = next(
        f for f in detector.detect(events) if f.rule == "possible_stalking" and f.suspect == ids["S"]
    )
    assert not finding.active
    assert finding.severity == "high" and finding.first_event.id == 2
    assert {r.code for r in finding.reasons} >= {"episodes", "score", "danger_words"}


def test_word_lists_match_forms_and_ignore_diacritics() -> None:
    matcher = WordMatcher(
        {"kill": ["vermoord*", "dood * maken"], "suicide": ["suicid*"], "wait": ["wacht * op"]}
    )
    assert matcher.categories_in("V dreigde haar te VERMOORDEN") == {"kill"}
    assert matcher.categories_in("hij zei haar 'dood zou maken'") == {"kill"}
    assert matcher.categories_in("dood maken") == set()  # the * stands for exactly one word
    assert matcher.categories_in("Suïcidale uitlatingen") == {"suicide"}
    assert matcher.categories_in("V wacht haar op bij het werk") == {"wait"}
    assert matcher.categories_in("V wacht op de bus") == set()
    assert matcher.categories_in("") == set()


def test_a_broken_rule_file_names_what_is_wrong(tmp_path: Path) -> None:
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["rules"][0]["min_episodes"] = 1
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="min_episodes"):
        load_rules(path)
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["words"]["danger"].append("no_such_list")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="no_such_list"):
        load_rules(path)


def test_the_stamp_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    before = load_rules(path).stamp
    path.write_text(RULES_PATH.read_text(encoding="utf-8").replace("min_score: 2.5", "min_score: 3.0"))
    assert load_rules(path).stamp != before


def test_a_series_of_notifications_by_one_partner_is_a_series_of_episodes(detector: Detector) -> None:
    config = detector.rules.episodes
    events = [event(i, 14 * i, 1, 2, source="veilig_thuis", kind="melding") for i in range(1, 5)]
    assert len(episodes_of(events, config)) == 4


def test_a_victim_who_moves_keeps_the_pattern_and_the_move_is_named(detector: Detector) -> None:
    case = {
        "registrations": [
            {"day": 0, "offences": ["285"], "suspect": "S", "victim": "V", "relation": "ex_partner",
             "unit": "zeeland-west-brabant"},
            {"day": 40, "offences": ["350"], "suspect": "S", "victim": "V", "unit": "oost-brabant"},
        ]
    }  # fmt: skip
    events, _ = events_of(case, detector)
    finding = next(f for f in detector.detect(events) if f.rule == "possible_stalking")
    assert finding.unit == "oost-brabant"  # the unit of the latest registration
    assert next(r for r in finding.reasons if r.code == "units").value == 2


def test_homes_are_neighbours_in_one_postcode_or_street_at_another_number() -> None:
    home = home_key("5611 ab", "", "", "12")
    assert home == "5611AB|12"
    assert neighbours(home, home_key("5611AB", "Stratumsedijk", "Eindhoven", "14"))
    assert not neighbours(home, home_key("5611AB", "", "", "12"))  # the same home: a household
    assert not neighbours(home, home_key("5612AB", "", "", "14"))
    by_street = home_key("", "Kerkstraat", "Oss", "3")
    assert neighbours(by_street, home_key("", "kerkstraat ", "OSS", "5"))
    assert home_key("", "Kerkstraat", "", "3") == "" and home_key("5611AB", "", "", "") == ""
