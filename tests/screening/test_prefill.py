"""The register pre-answers the facts an instrument names, for one pair, as known at a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ketenzicht.patterns.engine.events import Event, Offence, Party
from ketenzicht.screening.engine.prefill import prefill

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SUSPECT, VICTIM, OTHER = 1, 2, 3
THREAT = Offence("285", 4)
ASSAULT = Offence("300", 5, violence=True)
BREACH = Offence("184a", 5, breach=True)


def event(
    id: int,
    days_ago: int,
    *offences: Offence,
    words: frozenset[str] = frozenset(),
    suspect: int = SUSPECT,
    victim: int = VICTIM,
    kind: str = "aangifte",
) -> Event:
    return Event(
        id=id,
        source="politie",
        reference=f"PL-{id}",
        kind=kind,
        at=NOW - timedelta(days=days_ago),
        offences=offences,
        parties=(Party(suspect, "suspect", "p1"), Party(victim, "victim", "p2")),
        words=words,
    )


def test_each_fact_is_answered_with_its_evidence() -> None:
    events = [
        event(1, 500, ASSAULT),  # violence, more than a year ago
        event(2, 200, THREAT, words=frozenset({"threat_to_kill"})),
        event(3, 100, BREACH, kind="overtreding_maatregel"),
        event(4, 20, THREAT, words=frozenset({"weapon"})),
        event(5, 10, ASSAULT, suspect=VICTIM, victim=SUSPECT),  # the other way round: not this pair's
        event(6, 5, ASSAULT, suspect=SUSPECT, victim=OTHER),  # another victim
        event(7, -3, ASSAULT),  # after the moment of screening: not known yet
    ]
    answers = prefill(events, suspect=SUSPECT, victim=VICTIM, at=NOW, signal_rules=["possible_stalking"])
    assert (answers["earlier_violence"].answer, answers["earlier_violence"].evidence) == (True, (1,))
    assert (answers["threat_to_kill"].answer, answers["threat_to_kill"].evidence) == (True, (2,))
    assert (answers["weapon"].answer, answers["weapon"].evidence) == (True, (4,))
    assert (answers["breach_of_ban"].answer, answers["breach_of_ban"].evidence) == (True, (3,))
    assert (answers["incidents_12_months"].answer, answers["incidents_12_months"].evidence) == (3, (2, 3, 4))
    assert answers["stalking_signal"].answer is True
    assert answers["escalation_signal"].answer is False


def test_a_pair_without_history_gets_no_and_zero() -> None:
    answers = prefill([event(1, 3, THREAT, suspect=OTHER)], suspect=SUSPECT, victim=VICTIM, at=NOW)
    assert {fact: a.answer for fact, a in answers.items()} == {
        "earlier_violence": False,
        "threat_to_kill": False,
        "weapon": False,
        "breach_of_ban": False,
        "incidents_12_months": 0,
        "escalation_signal": False,
        "stalking_signal": False,
        "property_damage": False,
        "other_threats": False,
    }


VANDALISM = Offence("350", 2)


def test_vandalism_answers_property_damage_and_a_threat_other_than_to_kill_answers_other_threats() -> None:
    """Art. 350 (vernieling) is damage to the victim's things; art. 285 (bedreiging) is a threat: one of
    the other threats, unless its summary holds the words of a threat to kill, which answer
    `threat_to_kill` instead."""
    events = [
        event(1, 300, VANDALISM),
        event(2, 200, THREAT),  # a threat, no words of killing
        event(3, 100, THREAT, words=frozenset({"threat_to_kill"})),  # a threat to kill
        event(4, 50, THREAT, words=frozenset({"weapon"})),  # a threat with a knife: another threat
        event(5, 40, VANDALISM, suspect=VICTIM, victim=SUSPECT),  # the other way round: not this pair's
        event(6, -1, VANDALISM, THREAT),  # after the moment of screening
    ]
    answers = prefill(events, suspect=SUSPECT, victim=VICTIM, at=NOW)
    assert (answers["property_damage"].answer, answers["property_damage"].evidence) == (True, (1,))
    assert (answers["other_threats"].answer, answers["other_threats"].evidence) == (True, (2, 4))
    assert (answers["threat_to_kill"].answer, answers["threat_to_kill"].evidence) == (True, (3,))
    assert answers["property_damage"].basis == answers["other_threats"].basis == "offence"


def test_a_threat_to_kill_alone_is_no_other_threat() -> None:
    answers = prefill(
        [event(1, 10, THREAT, words=frozenset({"threat_to_kill"})), event(2, 5, ASSAULT)],
        suspect=SUSPECT,
        victim=VICTIM,
        at=NOW,
    )
    assert answers["threat_to_kill"].answer is True
    assert (answers["other_threats"].answer, answers["other_threats"].evidence) == (False, ())
    assert answers["property_damage"].answer is False


def test_every_fact_an_instrument_may_name_is_answered() -> None:
    from ketenzicht.screening.engine.instrument import PREFILL_FACTS

    assert set(prefill([], suspect=SUSPECT, victim=VICTIM, at=NOW)) == set(PREFILL_FACTS)


def test_a_notification_naming_the_suspect_as_involved_counts_for_the_pair() -> None:
    """A report of being followed or a Veilig Thuis notification has no suspect: the ex-partner is the
    person involved. The pattern engine pairs them so (`directed_pairs`); so does the pre-fill."""
    notification = Event(
        id=8,
        source="veilig_thuis",
        reference="VT-8",
        kind="melding",
        at=NOW - timedelta(days=30),
        parties=(Party(SUSPECT, "involved", "p1"), Party(VICTIM, "victim", "p2")),
        words=frozenset({"threat_to_kill"}),
    )
    witness = Event(
        id=9,
        source="politie",
        reference="PL-9",
        kind="aangifte",
        at=NOW - timedelta(days=20),
        offences=(THREAT,),
        parties=(
            Party(OTHER, "suspect", "p1"),
            Party(SUSPECT, "involved", "p2"),
            Party(VICTIM, "victim", "p3"),
        ),
    )
    answers = prefill([notification, witness, event(1, 10, THREAT)], suspect=SUSPECT, victim=VICTIM, at=NOW)
    assert (answers["threat_to_kill"].answer, answers["threat_to_kill"].evidence) == (True, (8,))
    # Involved beside another suspect: not the pair's (the other person is the one acting).
    assert (answers["incidents_12_months"].answer, answers["incidents_12_months"].evidence) == (2, (8, 1))


def test_a_breach_of_a_measure_protecting_the_victim_is_the_pair_s_though_it_names_the_suspect_alone() -> (
    None
):
    arrest = Event(
        id=8,
        source="politie",
        reference="PL-8",
        kind="incident",
        at=NOW - timedelta(days=2),
        offences=(BREACH,),
        parties=(Party(SUSPECT, "suspect", "p1"),),
    )
    someone_else = Event(
        id=9,
        source="politie",
        reference="PL-9",
        kind="incident",
        at=NOW,
        parties=(Party(OTHER, "suspect", "p1"),),
    )
    events = [event(1, 30, THREAT), arrest, someone_else]
    alone = prefill(events, suspect=SUSPECT, victim=VICTIM, at=NOW)
    assert alone["incidents_12_months"].answer == 1 and alone["breach_of_ban"].answer is False
    judged = prefill(events, suspect=SUSPECT, victim=VICTIM, at=NOW, breaches=[8, 9])
    assert (judged["incidents_12_months"].answer, judged["incidents_12_months"].evidence) == (2, (1, 8))
    assert (judged["breach_of_ban"].answer, judged["breach_of_ban"].evidence) == (True, (8,))
