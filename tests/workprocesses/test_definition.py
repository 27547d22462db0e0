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
