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


def test_a_date_that_happened_lies_not_after_today_and_one_to_come_not_before() -> None:
    # Contact with the victim "on 01-03-2027" met an acute case's deadline; a hearing "on 01-01-2026" was
    # sent to the case owner as the summons. Both are refused now, naming the field.
    from datetime import datetime

    from ketenzicht.workprocesses.definitions import DATA_DIR, date_rules
    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
    from ketenzicht.workprocesses.engine.definition import load_definition
    from ketenzicht.workprocesses.engine.machine import Refused, take

    rules = date_rules()
    assert rules == {"victim_contact_on": "past", "decided_on": "past", "hearing_on": "future"}
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
