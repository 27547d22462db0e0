"""When Splink refuses an EM rule (an m driven below its minimum, seen at 1,000,000 mentions on the birth-date
block: the address level "street within 2 edits, same house number and place"), training runs the rule
again with the levels that have a floor held at it; when that fails too, it does not leave Splink's
untrained starting values in the model: what no EM rule estimated takes the shipped model's m, and the
artefact says so; without one to take, training fails loudly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from splink.internals.linker_components.training import LinkerTraining

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model, save_model
from ketenzicht.linking.batch.frame import features_frame, features_from_file
from ketenzicht.linking.batch.m_estimates import (
    TrainingFailed,
    _floors_held,
    _floors_released,
    _m_changed,
    _m_from_shipped,
    _m_values,
)
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.engine.comparisons import COMPARISONS


def _shipped() -> dict[str, Any]:
    return copy.deepcopy(load_model(DEFAULT_MODEL_PATH)["splink"])


def _untrained(splink: dict[str, Any], name: str) -> None:
    for saved in splink["comparisons"]:
        if saved["output_column_name"] == name:
            for level in saved["comparison_levels"]:
                if "m_probability" in level:
                    level["m_probability"] = 0.5


def test_what_no_em_rule_estimated_takes_the_shipped_m() -> None:
    model = _shipped()
    _untrained(model, "surname")
    _untrained(model, "given_names")
    estimated = {name for name in _m_values(model) if name not in ("surname", "given_names")}
    given = _m_from_shipped(model, estimated)
    assert sorted(given) == ["given_names", "surname"]
    assert _m_values(model) == _m_values(_shipped())


def test_em_changes_are_what_it_estimated() -> None:
    before, after = _shipped(), _shipped()
    _untrained(after, "birth_date")
    assert _m_changed(before, after) == {"birth_date"}
    assert _m_changed(before, before) == set()


def test_without_a_shipped_m_to_take_training_fails(tmp_path: Path) -> None:
    shipped = load_model(DEFAULT_MODEL_PATH)
    broken = copy.deepcopy(shipped)
    broken["splink"]["comparisons"] = [
        c for c in broken["splink"]["comparisons"] if c["output_column_name"] != "surname"
    ]
    path = tmp_path / "model.json"
    save_model(broken, path)
    with pytest.raises(TrainingFailed, match="surname"):
        _m_from_shipped(_shipped(), {"bsn", "birth_date"}, shipped_path=path)


@pytest.mark.slow
def test_a_refused_em_rule_is_recorded_in_the_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generate(1200, 3, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    real = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def refuse_birth_date(self: Any, rule: Any, *args: Any, **kwargs: Any) -> Any:
        if "birth_date" in str(rule) and "surname" not in str(rule):
            raise ValueError("m value below the minimum allowed value")
        return real(self, rule, *args, **kwargs)

    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", refuse_birth_date
    )
    model = train(frame, seed=3, u_max_pairs=2e5, em_max_pairs=2e5)
    assert model["training"]["em_skipped"] == ["l.birth_date = r.birth_date"]
    taken = set(model["training"]["m_from_shipped_model"])
    assert {"surname", "given_names"} <= taken and "birth_date" not in taken
    shipped = _m_values(load_model(DEFAULT_MODEL_PATH)["splink"])
    assert _m_values(model["splink"])["surname"] == shipped["surname"]


def _floored_levels() -> set[tuple[str, str]]:
    return {(c.name, level.label) for c in COMPARISONS for level in c.levels if level.min_m is not None}


def test_the_levels_with_a_floor_are_held_at_it_and_released_after() -> None:
    model = _shipped()
    # The date of birth's m as counted among same-BSN pairs: fixed before EM, floor or not.
    counted = next(c for c in model["comparisons"] if c["output_column_name"] == "birth_date")
    for entry in counted["comparison_levels"]:
        if not entry.get("is_null_level"):
            entry["fix_m_probability"] = True
        if entry["label_for_charts"] in ("same year", "else"):
            entry["m_probability"] = 0.0013  # counted, above both floors
    floored = _floors_held(model)
    held = {
        (saved["output_column_name"], entry["label_for_charts"]): entry
        for saved in floored.splink_json["comparisons"]
        for entry in saved["comparison_levels"]
        if entry.get("fix_m_probability")
    }
    floors = {(c.name, level.label): level.min_m for c in COMPARISONS for level in c.levels}
    assert ("address", "street within 2 edits, same house number and place") in held
    by_count = {("birth_date", "same year"), ("birth_date", "else")}
    assert {f"{name}: {label}" for name, label in _floored_levels() - by_count} == set(floored.labels)
    for key in _floored_levels() - by_count:
        assert held[key]["m_probability"] == floors[key]
    for key in by_count:  # fixed already: its counted m is kept, and it is not counted as held
        assert held[key]["m_probability"] == 0.0013
    # Fixed by design stays fixed and is not counted as held (different valid BSNs).
    assert ("bsn", "different valid BSNs") in held and "bsn: different valid BSNs" not in floored.labels
    assert _m_values(model) != _m_values(floored.splink_json)  # a copy was changed, not the input
    released = _floors_released(floored.splink_json, floored.labels)
    still_fixed = {
        (saved["output_column_name"], entry["label_for_charts"])
        for saved in released["comparisons"]
        for entry in saved["comparison_levels"]
        if entry.get("fix_m_probability")
    }
    assert still_fixed & _floored_levels() == by_count
    assert ("bsn", "different valid BSNs") in still_fixed


@pytest.mark.slow
def test_a_refused_em_rule_runs_again_with_the_floors_held(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    generate(1200, 3, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    real = LinkerTraining.estimate_parameters_using_expectation_maximisation
    seen: list[bool] = []

    def refuse_unless_held(self: Any, rule: Any, *args: Any, **kwargs: Any) -> Any:
        if "birth_date" in str(rule) and "surname" not in str(rule):
            address = next(
                c for c in self._linker._settings_obj.comparisons if c.output_column_name == "address"
            )
            level = next(
                cl for cl in address.comparison_levels
                if cl.label_for_charts == "street within 2 edits, same house number and place"
            )  # fmt: skip
            seen.append(bool(level._fix_m_probability))
            if not level._fix_m_probability:
                raise ValueError("m_probability value 0.0 is below the minimum allowed value of 1e-300")
        return real(self, rule, *args, **kwargs)

    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", refuse_unless_held
    )
    model = train(frame, seed=3, u_max_pairs=2e5, em_max_pairs=2e5)
    assert seen == [False, True]
    training = model["training"]
    # The prior is the register's own estimate (no prior given).
    assert training["prior"] == "estimated"
    assert model["splink"]["probability_two_random_records_match"] == training["prior_estimated"]
    assert training["em_skipped"] == [] and training["m_from_shipped_model"] == []
    assert set(training["em_floors_held"]) == {"l.birth_date = r.birth_date"}
    assert (
        "address: street within 2 edits, same house number and place"
        in training["em_floors_held"]["l.birth_date = r.birth_date"]
    )
    # The names were estimated by the rerun (not taken from the shipped model), and no level stays fixed
    # that was not fixed by design.
    shipped = _m_values(load_model(DEFAULT_MODEL_PATH)["splink"])
    assert _m_values(model["splink"])["surname"] != shipped["surname"]
    fixed = {
        (saved["output_column_name"], entry["label_for_charts"])
        for saved in model["splink"]["comparisons"]
        for entry in saved["comparison_levels"]
        if entry.get("fix_m_probability")
    }
    assert fixed.isdisjoint(_floored_levels())
