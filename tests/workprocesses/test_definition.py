"""The validator refuses definitions that cannot work, naming every problem."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ketenzicht.workprocesses.engine.definition import DefinitionError, parse_definition

GOOD = {
    "process": "demo_process",
    "version": 1,
    "label": "Demo",
    "organisation_kinds": ["politie"],
    "roles": ["case_screener", "case_owner"],
    "initial": "new",
    "fields": {"urgency": {"label": "Urgentie", "kind": "choice", "choices": {"high": "Hoog"}}},
    "states": {
        "new": {
            "label": "Nieuw",
            "deadline": {"amount": 2, "unit": "working_days", "escalate_to": "case_owner"},
        },
        "done": {"label": "Klaar", "final": True},
    },
    "transitions": [
        {"name": "finish", "label": "Klaar", "from": "new", "to": "done", "roles": ["case_screener"]},
    ],
}


def _parse(document: dict[str, Any]) -> Any:
    return parse_definition(yaml.safe_dump(document).encode(), source="test.yaml")


def test_a_good_definition_loads_with_its_content_hash() -> None:
    definition = _parse(GOOD)
    assert definition.content_hash and len(definition.content_hash) == 64
    again = _parse({**GOOD, "label": "Other"})
    assert again.content_hash != definition.content_hash


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["states"].update(orphan={"label": "Wees", "final": True}), "'orphan' cannot be reached"),
        (lambda d: d["transitions"][0].update(to="nowhere"), "unknown state 'nowhere'"),
        (lambda d: d["transitions"][0].update({"from": "limbo"}), "leaves unknown state 'limbo'"),
        (lambda d: d["states"]["new"]["deadline"].pop("escalate_to"), "has no escalation"),
        (lambda d: d["states"]["new"]["deadline"].update(escalate_to="nobody"), "unknown role 'nobody'"),
        (lambda d: d.update(initial="start"), "initial state 'start'"),
        (lambda d: d["transitions"][0].update(requires={"fields": ["colour"]}), "unknown field 'colour'"),
        (lambda d: d["transitions"][0].update(roles=["prosecutor"]), "role 'prosecutor' not in"),
        (
            lambda d: (
                d["states"].update(stuck={"label": "Vast"})
                or d["transitions"].append(
                    {"name": "to_stuck", "label": "x", "from": "new", "to": "stuck", "roles": ["case_owner"]}
                )
            ),
            "'stuck' is not final and has no way out",
        ),
        (lambda d: d["states"]["new"]["deadline"].update(unit="fortnights"), "deadline.unit"),
        (lambda d: d.update(colour="blue"), "colour"),
    ],
)
def test_the_validator_refuses_and_names_the_problem(change: object, problem: str) -> None:
    document = yaml.safe_load(yaml.safe_dump(GOOD))
    change(document)  # type: ignore[operator]
    with pytest.raises(DefinitionError) as refused:
        _parse(document)
    assert problem in str(refused.value)
    assert "test.yaml" in str(refused.value)


def test_not_yaml_is_refused_clearly() -> None:
    with pytest.raises(DefinitionError, match="not valid YAML"):
        parse_definition(b"process: [unclosed", source="broken.yaml")


def test_a_choice_below_the_desks_suggestion_needs_a_reason() -> None:
    # The screening suggests "acute"; finishing the screening at "low" without a word would move the
    # deadline to contact the victim from hours to days unexplained.
    from datetime import datetime

    from ketenzicht.workprocesses.definitions import DATA_DIR
    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
    from ketenzicht.workprocesses.engine.definition import load_definition
    from ketenzicht.workprocesses.engine.machine import Refused, take

    definition = load_definition(DATA_DIR / "ex_partner_stalking.v2.yaml")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)

    def finish(urgency: str, suggested: str, reason: str = "") -> Any:
        return take(
            definition,
            "screening",
            "screened",
            roles=["case_screener"],
            at=at,
            values={"urgency": urgency, "stalking_indication": "yes"},
            recorded={"screening_level": "high", "urgency_suggested": suggested},
            reason=reason,
        )

    with pytest.raises(Refused) as refused:
        finish("low", "acute")
    assert (refused.value.code, refused.value.detail) == ("lowered", "urgency")
    assert finish("low", "acute", reason="slachtoffer verblijft in het buitenland").values["urgency"] == "low"
    assert finish("acute", "acute").values["urgency"] == "acute"  # as suggested
    assert finish("acute", "normal").values["urgency"] == "acute"  # raised: no reason asked
    outcome = take(  # no suggestion recorded: nothing to fall below
        definition,
        "screening",
        "screened",
        roles=["case_screener"],
        at=at,
        values={"urgency": "low", "stalking_indication": "no"},
        recorded={"screening_level": "standard"},
    )
    assert outcome.values["urgency"] == "low"


@pytest.mark.parametrize(
    ("recorded", "given", "lowered"),
    [
        ({"unsafety": "acute"}, "structural", "unsafety"),  # a colleague's acute unsafety: below it, say why
        ({"unsafety": "acute"}, "acute", ""),
        ({"unsafety": "structural"}, "none", "unsafety"),
        ({"unsafety": "none"}, "acute", ""),  # raising needs no reason
        ({"unsafety": "none"}, "none", ""),  # the last choice: nothing lies below it
        ({}, "none", ""),  # nothing recorded: no floor
        ({"unsafety": "structural", "unsafety_suggested": "complex"}, "complex", ""),  # a suggestion counts
    ],
)
def test_the_value_a_case_holds_for_a_ranked_field_is_the_floor_a_lower_choice_explains(
    recorded: dict[str, str], given: str, lowered: str
) -> None:
    from datetime import datetime

    from ketenzicht.workprocesses.definitions import DATA_DIR, ranked_fields
    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
    from ketenzicht.workprocesses.engine.definition import load_definition
    from ketenzicht.workprocesses.engine.machine import Refused, lowering_floors, take

    definition = load_definition(DATA_DIR / "vt_safety_assessment.v1.yaml")
    transition = definition.transition("agree_conditions")
    assert transition is not None
    assert "unsafety" in ranked_fields()

    def agree(reason: str = "") -> Any:
        return take(
            definition,
            "acute",
            "agree_conditions",
            roles=["vt_assessor"],
            at=datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM),
            values={"unsafety": given, "safety_conditions": "geen contact"},
            recorded=recorded,
            reason=reason,
            ranked=ranked_fields(),
        )

    # The form asks for the explanation exactly where the engine would refuse without one.
    floors = lowering_floors(definition, transition, recorded, ranked_fields())
    if lowered:
        with pytest.raises(Refused) as refused:
            agree()
        assert (refused.value.code, refused.value.detail) == ("lowered", lowered)
        assert agree(reason="zij woont weer veilig").values["unsafety"] == given
        assert floors
    else:
        assert agree().values["unsafety"] == given
    # Without the ranking, only a desk's suggestion is a floor (as for any choice field).
    if "unsafety_suggested" not in recorded:
        assert take(
            definition, "acute", "agree_conditions", roles=["vt_assessor"],
            at=datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM),
            values={"unsafety": given, "safety_conditions": "geen contact"}, recorded=recorded,
        ).values["unsafety"] == given  # fmt: skip


def test_a_value_a_step_sets_by_itself_has_no_floor() -> None:
    """`outcome` is set by each outcome step (`sets`): an investigation's outcome recorded earlier is no
    floor for the conditions agreed after it."""
    from datetime import datetime

    from ketenzicht.workprocesses.definitions import DATA_DIR
    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
    from ketenzicht.workprocesses.engine.definition import load_definition
    from ketenzicht.workprocesses.engine.machine import take

    definition = load_definition(DATA_DIR / "vt_safety_assessment.v1.yaml")
    outcome = take(
        definition,
        "investigation",
        "agree_conditions",
        roles=["vt_assessor"],
        at=datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM),
        values={"unsafety": "structural", "safety_conditions": "geen contact"},
        recorded={"unsafety": "structural", "outcome": "investigation"},
        ranked=["unsafety", "outcome"],
    )
    assert outcome.values["outcome"] == "conditions"


def test_every_ranked_field_is_a_choice_field_of_a_shipped_definition() -> None:
    from ketenzicht.workprocesses.definitions import DATA_DIR, definition_files, ranked_fields
    from ketenzicht.workprocesses.engine.definition import FieldKind, load_definition

    choice_fields = {
        name
        for path in definition_files(DATA_DIR)
        for name, spec in load_definition(path).fields.items()
        if spec.kind is FieldKind.CHOICE
    }
    assert ranked_fields() and ranked_fields() <= choice_fields


def test_a_lowered_urgency_is_confirmed_by_a_team_lead_of_every_process_that_has_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ranked_fields.yaml names who confirms a lowering below the floor: for the urgency a team lead, a role
    of every shipped process that has the field (else a lowering could never be confirmed). An unknown role
    or property is refused when the file is read."""
    from ketenzicht.workprocesses import definitions
    from ketenzicht.workprocesses.engine.definition import DefinitionError, load_definition

    assert definitions.lowering_confirmers() == {"urgency": "team_lead"}
    assert {"urgency", "unsafety"} <= definitions.ranked_fields()
    for path in definitions.definition_files(definitions.DATA_DIR):
        definition = load_definition(path)
        for name, role in definitions.lowering_confirmers().items():
            if name in definition.fields:
                assert role in definition.roles, path.name
    (tmp_path / "ranked_fields.yaml").write_text(
        "- unsafety\n- urgency: {lowering_confirmed_by: boss, colour: red}\n", encoding="utf-8"
    )
    monkeypatch.setattr(definitions, "DATA_DIR", tmp_path)
    definitions._ranked.cache_clear()
    try:
        with pytest.raises(DefinitionError) as refused:
            definitions.ranked_fields()
        assert "unknown role 'boss'" in str(refused.value) and "unknown properties colour" in str(
            refused.value
        )
    finally:
        definitions._ranked.cache_clear()


def test_a_date_that_happened_lies_not_after_today_and_one_to_come_not_before() -> None:
    # Contact with the victim "on 01-03-2027" met an acute case's deadline; a hearing "on 01-01-2026" was
    # sent to the case owner as the summons. Both are refused now, naming the field.
    from datetime import datetime

    from ketenzicht.workprocesses.definitions import DATA_DIR, date_rules
    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
    from ketenzicht.workprocesses.engine.definition import load_definition
    from ketenzicht.workprocesses.engine.machine import Refused, take

    rules = date_rules()
    assert {name: rule.when for name, rule in rules.items()} == {
        "victim_contact_on": "past",
        "decided_on": "past",
        "hearing_on": "future",
    }
    police = load_definition(DATA_DIR / "ex_partner_stalking.v2.yaml")
    at = datetime(2026, 12, 6, 23, 30, tzinfo=AMSTERDAM)  # late in the evening: today is the 6th in Amsterdam

    def contact(on: str) -> Any:
        return take(
            police, "screened", "contact_victim", roles=["case_screener"], at=at,
            values={"victim_contact_on": on}, dates=rules,
        )  # fmt: skip

    with pytest.raises(Refused) as refused:
        contact("2027-03-01")
    assert (refused.value.code, refused.value.detail) == ("date_future", "victim_contact_on")
    assert contact("2026-12-06").target == "contacted" and contact("2026-12-01").target == "contacted"
    zsm = load_definition(DATA_DIR / "zsm_file.v1.yaml")
    recorded = {"vt_information": "ontvangen", "complaint": "gedaan"}

    def summons(on: str) -> Any:
        return take(
            zsm, "at_zsm", "decide_summons", roles=["prosecutor"], at=at,
            values={"hearing_on": on}, recorded=recorded, dates=rules,
        )  # fmt: skip

    with pytest.raises(Refused) as refused:
        summons("2026-01-01")
    assert (refused.value.code, refused.value.detail) == ("date_past", "hearing_on")
    assert summons("2027-01-15").values["hearing_on"] == "2027-01-15"
