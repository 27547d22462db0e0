"""The plain Splink 5 baseline every linking benchmark runs beside ours, on the same data, in the same run.

"Plain" means Splink's documented default style (its FEBRL3 / FEBRL4 examples), with no Dutch knowledge:

- light standardisation only (strip, lower case, empty -> missing; postcode upper case without spaces);
- `NameComparison` per name column with term-frequency adjustments, `DateOfBirthComparison` on the date
  string, `ExactMatch` for the other columns (postcode with term frequencies);
- prediction blocking with `block_on` on obvious column combinations;
- the prior from deterministic rules (`estimate_probability_two_random_records_match`, recall 0.8),
  u by random sampling (`max_pairs=1e7`, fixed seed), m by EM on two blocking rules;
- `predict` at the operating threshold (match probability, default 0.99) and
  `cluster_pairwise_predictions_at_threshold` at the same threshold.

The FEBRL settings follow Splink's FEBRL examples with the social security number removed (no comparison,
no blocking rule on it). Every blocking rule is a `block_on` of plain columns, so `blocking_keys` gives the
same candidate pairs as keys for counting reachability (see `metrics.reachable_true_pairs`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

DEFAULT_THRESHOLD = 0.99
U_MAX_PAIRS = 1e7
KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Spec:
    """What the baseline is for one data set: Splink settings parts as plain data."""

    link_type: Literal["dedupe_only", "link_only"]
    unique_id: str
    blocking: list[tuple[str, ...]]
    em_blocking: list[tuple[str, ...]]
    deterministic: list[tuple[str, ...]]
    comparisons: Any = field(repr=False)  # a callable returning the Splink comparison creators
    em_max_pairs: float | None = None


def _febrl_comparisons(with_ssn: bool) -> list[Any]:
    import splink.comparison_library as cl

    ssn = [cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2])] if with_ssn else []
    return [
        *ssn,
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]


def febrl_spec(link_type: Literal["dedupe_only", "link_only"], *, with_ssn: bool = False) -> Spec:
    """Splink's FEBRL example settings without the SSN (`with_ssn`: as in the example, for checking)."""
    ssn: list[tuple[str, ...]] = [("soc_sec_id",)] if with_ssn else []
    return Spec(
        link_type=link_type,
        unique_id="rec_id",
        blocking=[
            *ssn,
            ("given_name", "surname"),
            ("date_of_birth",),
            ("state", "address_1"),
            ("street_number", "address_1"),
            ("postcode",),
        ],
        em_blocking=[("date_of_birth",), ("postcode",)],
        deterministic=[*ssn, ("given_name", "surname", "date_of_birth")],
        comparisons=lambda: _febrl_comparisons(with_ssn),
    )


def _generator_comparisons() -> list[Any]:
    import splink.comparison_library as cl

    return [
        cl.NameComparison("given_names").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.ExactMatch("surname_prefix"),
        cl.DateOfBirthComparison(
            "birth_date", input_is_string=True, datetime_format="%Y-%m-%d", invalid_dates_as_null=True
        ),
        cl.ExactMatch("bsn"),
        cl.ExactMatch("sex"),
        # No house number: like further location columns in Splink's FEBRL example, it is correlated with
        # the postcode, and with it every household scores as one person (pairwise precision 0.88 at
        # 100,000 mentions, against 0.99 without).
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]


# Blocking and EM in the manner of Splink's FEBRL examples: single obvious columns and the full name.
# EM on the full name (not on the address, where the latent "match" class learns households).
GENERATOR_SPEC = Spec(
    link_type="dedupe_only",
    unique_id="mention_id",
    blocking=[("bsn",), ("birth_date",), ("postcode",), ("given_names", "surname")],
    em_blocking=[("birth_date",), ("given_names", "surname")],
    deterministic=[("bsn",), ("given_names", "surname", "birth_date")],
    comparisons=_generator_comparisons,
    em_max_pairs=1e7,
)

GENERATOR_COLUMNS = [
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    "postcode",
    "house_number",
]


def _clean(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.mask(text == "").astype(object).where(text.notna(), None)


def prepare_generator(mentions: pd.DataFrame) -> pd.DataFrame:
    """The plain standardisation of generator mentions (no Dutch name handling)."""
    out = pd.DataFrame({"mention_id": mentions["mention_id"].to_numpy()})
    for column in GENERATOR_COLUMNS:
        out[column] = _clean(mentions[column]).to_numpy()
    postcode = out["postcode"].astype("string").str.replace(" ", "", regex=False).str.upper()
    out["postcode"] = postcode.astype(object).where(postcode.notna(), None)
    sex = out["sex"].astype("string").str.upper()
    out["sex"] = sex.astype(object).where(sex.isin(["M", "F"]), None)
    return out


def blocking_keys(frame: pd.DataFrame, blocking: list[tuple[str, ...]]) -> pd.DataFrame:
    """One key column per `block_on` rule: the joined values, None when any part is missing."""
    keys = {}
    for i, columns in enumerate(blocking):
        parts = [frame[c].astype("string") for c in columns]
        key = parts[0]
        for part in parts[1:]:
            key = key + KEY_SEPARATOR + part
        keys[f"rule{i}"] = key.astype(object).where(key.notna(), None).to_numpy()
    return pd.DataFrame(keys)


@dataclass
class Result:
    clusters: pd.DataFrame  # indexed by unique id; one column of cluster ids per threshold (str(threshold))
    pairs: pd.DataFrame  # predicted pairs at the lowest threshold: columns l, r, match_probability
    seconds: dict[str, float]


def run(
    frames: list[pd.DataFrame],
    spec: Spec,
    *,
    thresholds: tuple[float, ...] = (DEFAULT_THRESHOLD,),
    seed: int = 1,
) -> Result:
    """Train, predict and cluster with plain Splink 5 on DuckDB; one frame (dedupe) or two (link).

    The first threshold is the operating one: `seconds["total"]` runs from registering the data to its
    clusters. Clusters at further thresholds (from the same predictions) are made after the clock stops.
    """
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    began = time.perf_counter()
    seconds: dict[str, float] = {}
    settings = SettingsCreator(
        unique_id_column_name=spec.unique_id,
        link_type=spec.link_type,
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in spec.blocking],
        comparisons=spec.comparisons(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    names = ["a", "b"] if len(frames) == 2 else ["input"]
    registered = [
        db_api.register(frame, dataset_display_name=name) for frame, name in zip(frames, names, strict=True)
    ]
    linker = Linker(registered if len(registered) > 1 else registered[0], settings, log_level=logging.WARNING)
    seconds["register"] = time.perf_counter() - began

    mark = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in spec.deterministic], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    for rule in spec.em_blocking:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), estimate_without_term_frequencies=True, max_pairs=spec.em_max_pairs
        )
    seconds["train"] = time.perf_counter() - mark

    mark = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    seconds["predict"] = time.perf_counter() - mark

    uid = spec.unique_id
    clusters = pd.DataFrame()
    for number, threshold in enumerate(thresholds):
        mark = time.perf_counter()
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        frame = clustered.as_duckdbpyrelation().select(f'"{uid}", cluster_id').df().set_index(uid)
        if number == 0:
            clusters = frame[["cluster_id"]].astype(str).rename(columns={"cluster_id": str(threshold)})
            seconds["cluster"] = time.perf_counter() - mark
            seconds["total"] = time.perf_counter() - began
        else:
            clusters[str(threshold)] = frame["cluster_id"].astype(str).reindex(clusters.index)

    pairs = (
        predictions.as_duckdbpyrelation().select(f'"{uid}_l" as l, "{uid}_r" as r, match_probability').df()
    )
    return Result(clusters=clusters, pairs=pairs, seconds=seconds)
