"""The m probabilities `training.train` sets beside EM, and how a failed EM rule is recovered.

Before EM: the comparisons with `m_from_same_bsn` get m counted among the pairs with the same valid BSN
(`_m_from_same_bsn`). When EM underflows: the levels with a floor held at it for one more run
(`_floors_held`) and released after (`_floors_released`). When an EM rule estimates nothing: the m of the
shipped model for the comparisons no rule estimated (`_m_from_shipped`, else `TrainingFailed`). Last,
every m raised to its level's floor (`_apply_m_floors`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison
from ketenzicht.linking.splink_table import same_bsn_m

logger = logging.getLogger(__name__)


def _m_from_same_bsn(db: Any, splink_json: dict[str, Any]) -> dict[str, int]:
    """Give each comparison with `m_from_same_bsn` the m counted among pairs with the same valid BSN (in
    place, fixed for EM) where the data has enough of them; per comparison given, how many pairs."""
    by_name = {c.name: c for c in COMPARISONS}
    given: dict[str, int] = {}
    for saved in splink_json["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        counted = same_bsn_m(comparison, db.rows)
        if counted is None:
            continue
        m_values, pairs = counted
        for entry, m in zip(saved["comparison_levels"], m_values, strict=True):
            if m is not None:
                entry["m_probability"] = m
                entry["fix_m_probability"] = True
        given[comparison.name] = pairs
    return given


@dataclass(frozen=True)
class _Floored:
    splink_json: dict[str, Any]
    labels: list[str]  # "comparison: level" of each level held at its floor


def _floors_held(splink_json: Mapping[str, Any], comparisons: Sequence[Comparison] = COMPARISONS) -> _Floored:
    """The settings with every level that has a floor (`min_m`: a level training data may not teach, see
    engine/comparisons.py) fixed at that floor, so that EM leaves it alone."""
    by_name = {c.name: c for c in comparisons}
    out = copy.deepcopy(dict(splink_json))
    labels: list[str] = []
    for saved in out["comparisons"]:
        name = saved["output_column_name"]
        for level, entry in zip(by_name[name].levels, saved["comparison_levels"], strict=True):
            if level.min_m is None or entry.get("fix_m_probability"):
                continue
            entry["m_probability"] = level.min_m
            entry["fix_m_probability"] = True
            labels.append(f"{name}: {level.label}")
    return _Floored(out, labels)


def _floors_released(
    splink_json: Mapping[str, Any], labels: Sequence[str], comparisons: Sequence[Comparison] = COMPARISONS
) -> dict[str, Any]:
    """The settings after EM with the levels `_floors_held` fixed (`labels`, "comparison: level")
    estimable again; their m stays. Levels fixed for another reason (by design, from same-BSN pairs) stay
    fixed."""
    by_name = {c.name: c for c in comparisons}
    held = set(labels)
    out = copy.deepcopy(dict(splink_json))
    for saved in out["comparisons"]:
        name = saved["output_column_name"]
        for level, entry in zip(by_name[name].levels, saved["comparison_levels"], strict=True):
            if f"{name}: {level.label}" in held:
                entry.pop("fix_m_probability", None)
    return out


class TrainingFailed(RuntimeError):
    """Training cannot give a usable model (an EM rule failed and the shipped model cannot stand in)."""


def _m_values(splink_json: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        saved["output_column_name"]: [level.get("m_probability") for level in saved["comparison_levels"]]
        for saved in splink_json["comparisons"]
    }


def _m_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The comparisons whose m an EM run changed (those it estimated)."""
    was, now = _m_values(before), _m_values(after)
    return {name for name, values in now.items() if values != was.get(name)}


def _m_from_shipped(
    splink_json: dict[str, Any], estimated: set[str], shipped_path: str | Path | None = None
) -> list[str]:
    """Give every comparison that no EM rule estimated the m of the shipped model (in place), so a failed
    EM rule never leaves Splink's untrained starting values in a model; the names it gave. Raises
    TrainingFailed when the shipped model does not have the comparison with the same levels."""
    shipped = _m_values(load_model(shipped_path or DEFAULT_MODEL_PATH)["splink"])
    given: list[str] = []
    for saved in splink_json["comparisons"]:
        name = saved["output_column_name"]
        if name in estimated:
            continue
        values = shipped.get(name)
        if values is None or len(values) != len(saved["comparison_levels"]):
            raise TrainingFailed(f"EM estimated no m for {name} and the shipped model has none to give")
        for entry, m in zip(saved["comparison_levels"], values, strict=True):
            if m is not None:
                entry["m_probability"] = m
        given.append(name)
    if given:
        logger.warning("m of %s taken from the shipped model: EM could not estimate it", ", ".join(given))
    return given


def _apply_m_floors(splink_json: dict[str, Any], comparisons: Sequence[Comparison] = COMPARISONS) -> None:
    """Raise a trained m to the level's `min_m` (in place)."""
    by_name = {c.name: c for c in comparisons}
    for saved in splink_json["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        for level, entry in zip(comparison.levels, saved["comparison_levels"], strict=True):
            m = entry.get("m_probability")
            if level.min_m is not None and isinstance(m, float | int) and m < level.min_m:
                entry["m_probability"] = level.min_m
