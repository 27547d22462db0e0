"""The Splink settings dictionary built from the comparison spec (no Splink import here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison

# Blocking rules for prediction: a pair is scored when any rule holds (bench/linking/blocking.py measures
# the share of true pairs reached). engine/keys.py must give every rule an index key for the online
# matcher (tests/linking/test_keys.py checks it).
BLOCKING_RULES: tuple[str, ...] = (
    "l.bsn_written = r.bsn_written",
    "l.surname_first = r.surname_first AND l.birth_year = r.birth_year",
    "l.surname_last = r.surname_last AND l.birth_year = r.birth_year",
    "l.given_first = r.given_first AND l.birth_date = r.birth_date",
    "l.surname_sound = r.surname_sound AND l.birth_month = r.birth_month AND l.birth_day = r.birth_day",
    "l.pc6 = r.pc6 AND l.house_number = r.house_number",
    # Surname + first initial: also one side with initials only, or a typo in the given name.
    "l.surname_first = r.surname_first AND substr(l.initials, 1, 1) = substr(r.initials, 1, 1)",
    "l.surname_last = r.surname_last AND substr(l.initials, 1, 1) = substr(r.initials, 1, 1)",
    "l.birth_date = r.birth_date AND substr(l.initials, 1, 1) = substr(r.initials, 1, 1)",
    "l.given_full = r.given_full AND l.birth_year = r.birth_year AND l.sex = r.sex",
    "l.surname_first = r.given_first AND l.given_first = r.surname_first",
    "l.given_first = r.surname_first AND l.birth_date = r.birth_date",
    "l.surname_first = r.given_first AND l.birth_date = r.birth_date",
    "l.given_first = r.given_first AND l.surname_head = r.surname_head",
    "l.given_first = r.given_first AND l.surname_tail = r.surname_tail",
    # Address and date keys for registers with typos in every name (FEBRL: 88% -> 97.5% of true pairs).
    "l.street = r.street AND l.house_number = r.house_number",
    "l.pc4 = r.pc4 AND l.birth_year = r.birth_year",
    "l.city = r.city AND l.birth_date = r.birth_date",
    "l.surname_head = r.surname_head AND l.birth_date = r.birth_date",
    # A personal phone number names about one person, whatever the names say.
    "l.phone = r.phone",
)

# Blocking rules for EM: each leaves the comparisons on other columns free to be estimated.
EM_BLOCKING_RULES: tuple[str, ...] = (
    "l.surname_first = r.surname_first AND l.given_first = r.given_first",
    "l.birth_date = r.birth_date",
)

# Rules that (almost) only ever join true matches, for estimating the prior (with their recall).
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.bsn = r.bsn",
    "l.surname = r.surname AND l.given_full = r.given_full AND l.birth_date = r.birth_date",
)
DETERMINISTIC_RECALL = 0.7

# The prior (Splink's probability_two_random_records_match) is the register's own estimate: (other mentions
# of the same person per mention) / (mentions in the register - 1), from DETERMINISTIC_RULES. It falls as the
# register grows, and so it should: the look-alikes a mention meets grow with the register. From 2026-12-03
# to 12-04 it was held at a register of 100,000 mentions instead; measured at a million mentions that let
# precision fall to 0.9963 while recall, once training no longer failed there, hardly falls with the
# register's own prior (docs/linking.md, "The prior").


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    levels: list[dict[str, Any]] = []
    for level in comparison.levels:
        entry: dict[str, Any] = {"sql_condition": level.condition.sql(), "label_for_charts": level.label}
        if level.is_null:
            entry["is_null_level"] = True
        if level.fixed_m is not None:
            entry["m_probability"] = level.fixed_m
            entry["fix_m_probability"] = True
        if level.fixed_u is not None:
            entry["u_probability"] = level.fixed_u
            entry["fix_u_probability"] = True
        levels.append(entry)
    return {
        "output_column_name": comparison.name,
        "comparison_description": comparison.description,
        "comparison_levels": levels,
    }


def settings_dict(
    comparisons: Sequence[Comparison] = COMPARISONS,
    blocking_rules: Sequence[str] = BLOCKING_RULES,
    probability_two_random_records_match: float = 1e-4,
) -> dict[str, Any]:
    """Splink 5 settings for deduplicating a table of `MentionFeatures` rows (no term frequencies)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "comparisons": [comparison_dict(c) for c in comparisons],
        "blocking_rules_to_generate_predictions": list(blocking_rules),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["bsn"],
    }
