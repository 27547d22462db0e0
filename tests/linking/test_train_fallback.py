"""When Splink refuses an EM rule (an m driven below its minimum, seen at 1,000,000 mentions on the birth-date
block), training does not leave Splink's untrained starting values in the model: what no EM rule estimated
takes the shipped model's m, and the artefact says so; without one to take, training fails loudly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from splink.internals.linker_components.training import LinkerTraining

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch import (
    DEFAULT_MODEL_PATH,
    TrainingFailed,
    _m_changed,
    _m_from_shipped,
    _m_values,
    features_frame,
    features_from_file,
    load_model,
    save_model,
    train,
)


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
