"""The pattern benchmark's scoring on small hand-made truth and signals (bench/patterns/scoring.py)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "patterns"))

import scoring

DAY0 = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


class World:
    """Registrations R1, R2, ... each with a suspect mention p1 and a victim mention p2 of true persons."""

    def __init__(self) -> None:
        self.truth = scoring.Truth()
        self.facts: dict[scoring.Key, scoring.RegFacts] = {}
        self.count = 0

    def reg(
        self,
        suspect: str,
        victim: str,
        day: int,
        *,
        offences: tuple[str, ...] = ("285",),
        source: str = "politie",
        dv: bool = False,
    ) -> scoring.Key:
        self.count += 1
        key = (source, f"R{self.count}")
        self.truth.person_of[(*key, "p1")] = suspect
        self.truth.person_of[(*key, "p2")] = victim
        self.facts[key] = scoring.RegFacts(
            DAY0 + dt.timedelta(days=day), offences, source, ("p2",) if dv else ()
        )
        return key

    def campaign(
        self, plant: str, suspect: str, victim: str, days: list[int], *, k285b: int = -1, **kw: object
    ) -> scoring.Campaign:
        keys = tuple(
            self.reg(suspect, victim, d, offences=("285b",) if i == k285b else ("350",))
            for i, d in enumerate(days)
        )
        c = scoring.Campaign(
            plant=plant,
            suspect=suspect,
            victim=victim,
            subkind=str(kw.get("subkind", "ex_partner")),
            shape=str(kw.get("shape", "steady")),
            escalates=bool(kw.get("escalates", False)),
            has_285b=k285b >= 0,
            victim_moved=False,
            registrations=keys,
            serial=kw.get("serial"),  # type: ignore[arg-type]
        )
        self.truth.campaigns.append(c)
        return c


def signal(
    keys: list[scoring.Key], rule: str = "possible_stalking", fired: int = -1, reverse: bool = False
) -> scoring.Signal:
    suspect, victim = ("p2", "p1") if reverse else ("p1", "p2")
    return scoring.Signal(
        rule=rule,
        severity="high",
        first_fired=keys[fired] if keys else None,
        registrations=tuple(scoring.SignalRegistration(k, (suspect,), (victim,)) for k in keys),
    )


# --- parsing -------------------------------------------------------------------------------------------


def test_parse_truth_reads_every_kind_of_fact() -> None:
    lines = [
        '{"mention":["politie","R1","p1"],"person":"T1"}',
        json.dumps(
            {
                "pattern": {
                    "suspect": "T1",
                    "victim": "T2",
                    "kind": "stalking",
                    "subkind": "ex_partner",
                    "shape": "escalating",
                    "escalates": True,
                    "has_285b": False,
                    "victim_moved": True,
                    "plant": "P1-1",
                    "serial": "S1",
                    "registrations": [["politie", "R1"], ["veilig_thuis", "V1"]],
                }
            }
        ),
        json.dumps({"serial": {"id": "S1", "suspect": "T1", "victims": ["T2"], "patterns": ["P1-1"]}}),
        json.dumps(
            {
                "confounder": {
                    "kind": "one_off_dv",
                    "persons": ["T3", "T4"],
                    "plant": "P2",
                    "registrations": [],
                }
            }
        ),
        "",
    ]
    truth = scoring.parse_truth(lines)
    assert truth.person_of == {("politie", "R1", "p1"): "T1"}
    (c,) = truth.campaigns
    assert (c.plant, c.escalates, c.victim_moved, c.serial) == ("P1-1", True, True, "S1")
    assert c.registrations == (("politie", "R1"), ("veilig_thuis", "V1"))
    assert truth.serials[0].patterns == ("P1-1",)
    assert truth.confounders[0].kind == "one_off_dv"


def test_parse_truth_names_the_line_of_an_unknown_fact() -> None:
    with pytest.raises(ValueError, match="truth line 2"):
        scoring.parse_truth(['{"mention":["a","b","p1"],"person":"T1"}', '{"storyline": {}}'])


def test_parse_signals_reads_the_export_and_names_bad_lines() -> None:
    line = json.dumps(
        {
            "rule": "possible_stalking",
            "severity": "high",
            "first_fired_at": "2024-03-06T09:12:00+01:00",
            "first_fired_registration": {"source": "politie", "reference": "R2"},
            "registrations": [
                {"source": "politie", "reference": "R1", "suspect_refs": ["p1"], "victim_refs": ["p2"]},
                {"source": "politie", "reference": "R2", "suspect_refs": ["p1"], "victim_refs": ["p2"]},
            ],
        }
    )
    (s,) = scoring.parse_signals([line])
    assert s.first_fired == ("politie", "R2")
    assert s.keys == [("politie", "R1"), ("politie", "R2")]
    with pytest.raises(ValueError, match="signals line 2: no 'rule'"):
        scoring.parse_signals([line, '{"registrations": []}'])
    with pytest.raises(ValueError, match=r"signals line 1, registrations\[0\]"):
        scoring.parse_signals(['{"rule": "x", "registrations": [{"source": "politie"}]}'])


def test_registration_facts_find_victims_of_domestic_relations() -> None:
    key, facts = scoring.parse_registration_facts(
        {
            "source": "politie",
            "reference": "R1",
            "registered_at": "2024-03-06T09:12:00+01:00",
            "offences": ["300"],
            "persons": [{"ref": "p1", "role": "suspect"}, {"ref": "p2", "role": "victim"}],
            "relations": [{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        }
    )
    assert key == ("politie", "R1")
    assert facts.dv_victims == ("p2",)
    assert facts.registered_at.utcoffset() == dt.timedelta(hours=1)


# --- matching ------------------------------------------------------------------------------------------


def test_a_signal_on_the_campaign_matches_it() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20, 30])
    (m,) = scoring.match_pair_signals([signal(list(c.registrations[:3]))], w.truth)
    assert m.plant == "P1"


def test_half_of_the_signal_in_the_campaign_is_enough_less_is_a_fragment() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20, 30])
    others = [w.reg("S", "V", 40), w.reg("S", "V", 50), w.reg("S", "V", 60)]
    half = signal([*c.registrations[:2], *others[:2]])
    less = signal([*c.registrations[:2], *others])
    matches = scoring.match_pair_signals([half, less], w.truth, w.facts)
    assert matches[0].plant == "P1"
    assert (matches[1].plant, matches[1].cause, matches[1].context) == (None, "campaign_fragment", "P1")


def test_one_shared_registration_is_not_a_match() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20])
    (m,) = scoring.match_pair_signals([signal([c.registrations[0]])], w.truth)
    assert m.plant is None
    assert m.cause == "campaign_fragment"


def test_suspect_and_victim_swapped_is_not_a_match() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20])
    (m,) = scoring.match_pair_signals([signal(list(c.registrations), reverse=True)], w.truth)
    assert (m.plant, m.cause) == (None, "reversed")


def test_the_campaign_sharing_most_registrations_wins() -> None:
    w = World()
    a = w.campaign("PA", "S", "V", [0, 10])
    b = w.campaign("PB", "S", "V", [20, 30, 40])
    (m,) = scoring.match_pair_signals([signal([*a.registrations, *b.registrations])], w.truth)
    assert m.plant == "PB"


def test_causes_of_false_positives_outside_campaigns() -> None:
    w = World()
    quarrel = [w.reg("A", "B", d) for d in (0, 5, 9)]
    w.truth.confounders.append(scoring.Confounder("Q1", "neighbour_quarrel", ("A", "B"), tuple(quarrel)))
    repeat = [w.reg("X", "Y", d) for d in (0, 100, 200)]
    follow = [
        w.reg("K", "L", 0),
        w.reg("K", "L", 3, source="om"),
        w.reg("K", "L", 15, source="veilig_thuis"),
    ]
    merged = [w.reg("M1", "N1", 0), w.reg("M2", "N1", 50), w.reg("M3", "N2", 90)]
    matches = scoring.match_pair_signals(
        [signal(quarrel), signal(repeat), signal(follow), signal(merged)], w.truth, w.facts
    )
    assert [m.cause for m in matches] == [
        "confounder:neighbour_quarrel",
        "ordinary_repeat_pair",
        "one_incident_with_follow_ups",
        "linking_merge",
    ]


def test_a_follow_up_long_after_the_police_registration_is_another_incident() -> None:
    w = World()
    keys = [w.reg("K", "L", 0), w.reg("K", "L", 60, source="veilig_thuis")]
    assert scoring.incidents(keys, w.facts) == 2
    assert scoring.incidents([*keys[:1], w.reg("K", "L", 2, source="om")], w.facts) == 1


def test_people_of_a_signal_take_the_majority() -> None:
    w = World()
    keys = [w.reg("S", "V", 0), w.reg("S", "V", 1), w.reg("T", "V", 2)]
    people = scoring.people_of(signal(keys), w.truth.person_of)
    assert (people.suspect, people.victim, people.pair_registrations) == ("S", "V", 2)
    assert (people.suspects, people.victims) == (2, 1)


# --- precision and recall ------------------------------------------------------------------------------


def test_precision_and_recall_of_a_pair_rule() -> None:
    w = World()
    found = w.campaign("P1", "S", "V", [0, 10, 20, 30], shape="escalating", escalates=True)
    w.campaign("P2", "T", "U", [0, 10, 20], subkind="stranger")
    stray = [w.reg("X", "Y", d) for d in (0, 100, 200)]
    signals = [signal(list(found.registrations[:2])), signal(list(found.registrations[2:])), signal(stray)]
    matches = scoring.match_pair_signals(signals, w.truth, w.facts)
    figures = scoring.pair_rule_figures("possible_stalking", signals, matches, w.truth.campaigns)
    assert (figures["correct"], figures["signals"], figures["precision"]) == (
        2,
        3,
        pytest.approx(2 / 3, abs=1e-4),
    )
    assert (figures["found"], figures["campaigns"], figures["recall"]) == (1, 2, 0.5)
    assert figures["campaigns_with_several_signals"] == 1
    assert (figures["found_fully_covered"], figures["mean_coverage"]) == (1, 1.0)
    assert figures["false_positive_causes"] == {"ordinary_repeat_pair": 1}
    assert figures["recall_by_relation"]["stranger"] == {"campaigns": 1, "found": 0, "recall": 0.0}
    escalation = scoring.pair_rule_figures(
        "escalation", signals, matches, w.truth.campaigns, wanted=lambda c: c.escalates
    )
    assert (escalation["campaigns"], escalation["found"], escalation["correct"]) == (1, 1, 2)


def test_no_signals_give_no_precision_and_zero_recall() -> None:
    w = World()
    w.campaign("P1", "S", "V", [0, 10, 20])
    figures = scoring.pair_rule_figures("possible_stalking", [], [], w.truth.campaigns)
    assert (figures["precision"], figures["recall"]) == (None, 0.0)


# --- lead time -----------------------------------------------------------------------------------------


def test_lead_time_counts_registrations_before_the_first_285b() -> None:
    w = World()
    early = w.campaign("P1", "S", "V", [0, 10, 20, 30, 40, 50], k285b=4)
    late = w.campaign("P2", "T", "U", [0, 10, 20, 30], k285b=1)
    never = w.campaign("P3", "A", "B", [0, 10, 20])
    silent = w.campaign("P4", "C", "D", [0, 10, 20])
    missed = w.campaign("P5", "E", "F", [0, 10, 20], k285b=2)
    fired: dict[str, list[scoring.Key | None]] = {
        "P1": [early.registrations[3], early.registrations[1]],  # the earliest of two signals counts
        "P2": [late.registrations[3]],
        "P3": [never.registrations[2]],
    }
    leads = scoring.lead_times(w.truth.campaigns, fired, w.facts)
    assert leads["per_campaign"] == {"P1": 3, "P2": -2}
    assert leads["missed"] == [missed.plant]
    assert (leads["campaigns_with_285b"], leads["fired"]) == (3, 2)
    assert leads["median"] == pytest.approx(0.5)
    assert leads["share_at_least_2_of_all_285b"] == pytest.approx(1 / 3, abs=1e-4)
    assert (leads["campaigns_without_285b"], leads["without_285b_fired"]) == (2, 1)
    assert leads["fired_at_registration"] == {2: 1, 3: 1, 4: 1}
    assert silent.plant not in leads["per_campaign"]


def test_lead_time_of_a_firing_outside_the_campaign_uses_registered_at() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20, 30, 40], k285b=4)
    outside = w.reg("S", "V", 25)  # between the campaign's 3rd and 4th registration
    before_all = w.reg("S", "V", -5)
    ordered = scoring.order_of(c, w.facts)
    assert scoring.fired_position(ordered, outside, w.facts) == 2
    assert scoring.fired_position(ordered, before_all, w.facts) == -1
    assert scoring.lead_times(w.truth.campaigns, {"P1": [outside]}, w.facts)["per_campaign"] == {"P1": 2}


def test_campaign_order_follows_registered_at_not_the_listing() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [30, 0, 10])
    assert scoring.order_of(c, w.facts) == [c.registrations[1], c.registrations[2], c.registrations[0]]


# --- serials, confounders, MARAC -----------------------------------------------------------------------


def test_serial_signals_match_by_suspect_and_shared_registrations() -> None:
    w = World()
    a = w.campaign("P1-1", "S", "V1", [0, 10, 20], serial="S1")
    b = w.campaign("P1-2", "S", "V2", [300, 310, 320], serial="S1")
    w.truth.serials.append(scoring.SerialTruth("S1", "S", ("V1", "V2"), ("P1-1", "P1-2")))
    lone = w.campaign("P2", "T", "U", [0, 10, 20])
    right = signal([*a.registrations, *b.registrations], rule="serial_perpetrator")
    wrong = signal(list(lone.registrations), rule="serial_perpetrator")
    matches = scoring.match_serial_signals([right, wrong], w.truth, w.facts)
    assert matches[0].plant == "S1"
    assert (matches[1].plant, matches[1].cause) == (None, "other_campaign_pair")
    figures = scoring.serial_figures([right, wrong], matches, w.truth.serials)
    assert (figures["precision"], figures["recall"], figures["missed"]) == (0.5, 1.0, [])


def test_confounders_flagged_per_kind_and_rule() -> None:
    w = World()
    q1 = tuple(w.reg("A", "B", d) for d in (0, 5, 9))
    q2 = tuple(w.reg("C", "D", d) for d in (0, 5, 9))
    dv = (w.reg("E", "F", 0),)
    w.truth.confounders += [
        scoring.Confounder("Q1", "neighbour_quarrel", ("A", "B"), q1),
        scoring.Confounder("Q2", "neighbour_quarrel", ("C", "D"), q2),
        scoring.Confounder("D1", "one_off_dv", ("E", "F"), dv),
    ]
    signals = [
        signal(list(q1), rule="mutual_conflict"),
        signal(list(q2), rule="mutual_conflict"),
        signal(list(q2[:2])),
        signal([dv[0], w.reg("E", "F", 30), w.reg("E", "F", 60)], rule="marac_repeat"),
    ]
    figures = scoring.confounder_figures(signals, w.truth.confounders)
    quarrels = figures["neighbour_quarrel"]
    assert (quarrels["confounders"], quarrels["flagged"], quarrels["mutual_conflict_expected"]) == (2, 1, 2)
    assert quarrels["by_rule"] == {"possible_stalking": 1}
    assert figures["one_off_dv"]["by_rule"] == {"marac_repeat": 1}


def test_marac_reference_needs_three_domestic_police_registrations_in_a_year() -> None:
    w = World()
    for d in (0, 100, 360):
        w.reg("S", "V", d, dv=True)
    for d in (0, 200, 400):
        w.reg("S", "W", d, dv=True)  # never three within 365 days
    for d in (0, 10):
        w.reg("S", "X", d, dv=True)
    w.reg("S", "X", 20, dv=True, source="veilig_thuis")  # not a police registration
    w.reg("S", "Y", 0)
    w.reg("S", "Y", 1)
    w.reg("S", "Y", 2)  # no domestic relation recorded
    reference = scoring.marac_reference(w.facts, w.truth.person_of)
    assert sorted(reference) == ["V"]
    consistent = signal([k for k in w.facts if w.truth.person_of[(*k, "p2")] == "V"], rule="marac_repeat")
    spread = signal([k for k in w.facts if w.truth.person_of[(*k, "p2")] == "W"], rule="marac_repeat")
    figures = scoring.marac_figures([consistent, spread], w.truth, w.facts, reference)
    assert (figures["consistent_with_true_persons"], figures["reference_found"]) == (1, 1)
    assert figures["flagged_victims_outside_reference"] == 1


def test_score_puts_it_together() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20, 30], k285b=3)
    signals = [
        signal(list(c.registrations[:3]), fired=1),
        signal(list(c.registrations), rule="mutual_conflict"),
    ]
    figures = scoring.score(signals, w.truth, w.facts)
    assert figures["signals_by_rule"] == {"mutual_conflict": 1, "possible_stalking": 1}
    assert figures["possible_stalking"]["recall"] == 1.0
    assert figures["lead_time"]["per_campaign"] == {"P1": 2}
    assert figures["mutual_conflict"]["signals_by_context"] == {"campaign": 1}
    assert figures["campaigns_found_by_any_rule"]["found"] == 1


def test_coverage_counts_the_campaign_registrations_its_signals_hold() -> None:
    w = World()
    c = w.campaign("P1", "S", "V", [0, 10, 20, 30])
    part = [signal(list(c.registrations[:3]))]
    figures = scoring.pair_rule_figures(
        "possible_stalking", part, scoring.match_pair_signals(part, w.truth), w.truth.campaigns
    )
    assert (figures["found_fully_covered"], figures["mean_coverage"]) == (0, 0.75)
