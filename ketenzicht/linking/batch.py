"""Batch person linking with Splink 5 (DuckDB backend): training without labels, prediction, clustering.

The input is a pandas DataFrame of `MentionFeatures` rows (`features_frame`). The comparison spec, the
blocking rules and the settings come from `ketenzicht.linking.engine`; the trained model is Splink's own
JSON, which `ketenzicht.linking.engine.model.LinkModel` reads for online scoring.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison
from ketenzicht.linking.engine.model import MODEL_FORMAT, MODEL_FORMAT_VERSION, splink_part
from ketenzicht.linking.engine.normalise import (
    FEATURE_COLUMNS,
    RARE_SHARE,
    MentionFeatures,
    NameFrequencies,
    features_from_exchange,
)
from ketenzicht.linking.engine.splink_settings import (
    BLOCKING_RULES,
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    EM_BLOCKING_RULES,
    settings_dict,
)

MODEL_VERSION = "1"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / f"person-model-v{MODEL_VERSION}.json"

_LIST_COLUMNS = {"surname_keys", "surname_phonetic", "given_keys"}
_INT_COLUMNS = {"birth_year", "birth_month", "birth_day", "given_count", "surname_freq", "given_freq"}


def features_from_file(path: str | Path) -> list[MentionFeatures]:
    """The features of every person mention in an exchange-format file; unique id `source|reference|ref`."""
    features: list[MentionFeatures] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            registration = json.loads(line)
            for person in registration["persons"]:
                uid = f"{registration['source']}|{registration['reference']}|{person['ref']}"
                features.append(features_from_exchange(person, uid))
    return features


def features_frame(features: Iterable[MentionFeatures]) -> pd.DataFrame:
    return pd.DataFrame([f.as_row() for f in features], columns=list(FEATURE_COLUMNS))


def with_frequencies(features_df: pd.DataFrame, frequencies: NameFrequencies) -> pd.DataFrame:
    """The frequency buckets of `NameFrequencies.apply`, as columns (same rule, vectorised by map)."""
    frame = features_df.copy()
    frame["surname_freq"] = [frequencies.bucket(frequencies.surname, v) for v in frame["surname_first"]]
    frame["given_freq"] = [frequencies.bucket(frequencies.given, v) for v in frame["given_first"]]
    return frame


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _sql_type(column: str) -> str:
    if column in _LIST_COLUMNS:
        return "VARCHAR[]"
    if column in _INT_COLUMNS:
        return "INTEGER"
    return "VARCHAR"


def _connection(features_df: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the features as table `mentions`, with explicit column types."""
    con = duckdb.connect(":memory:")
    frame = features_df[list(FEATURE_COLUMNS)].copy()
    for column in _INT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    con.register("mentions_frame", frame)
    casts = ", ".join(f"CAST({c} AS {_sql_type(c)}) AS {c}" for c in FEATURE_COLUMNS)
    con.execute(f"CREATE TABLE mentions AS SELECT {casts} FROM mentions_frame")
    con.unregister("mentions_frame")
    return con


def _linker(
    features_df: pd.DataFrame, settings: Mapping[str, Any], con: duckdb.DuckDBPyConnection | None = None
) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con if con is not None else _connection(features_df))
    sdf = db_api.register("mentions", dataset_display_name="mentions")
    return Linker(sdf, dict(settings), log_level=logging.WARNING)


MIN_CONDITIONAL_PAIRS = 1000


def conditional_u(
    con: duckdb.DuckDBPyConnection, comparison: Comparison, max_pairs: int = 2_000_000
) -> list[float | None] | None:
    """u per level (None for the null level) among pairs that satisfy the comparison's
    `u_conditional_on` and have different valid BSNs (certainly two people), or None when there are too
    few such pairs (data without BSNs)."""
    if comparison.u_conditional_on is None:
        return None
    cases = " ".join(
        f"WHEN {level.condition.sql()} THEN {index}"
        for index, level in enumerate(comparison.levels)
        if level.condition.sql() != "ELSE"
    )
    else_index = len(comparison.levels) - 1
    columns = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in FEATURE_COLUMNS)
    rows = con.execute(
        f"SELECT level, count(*) FROM ("
        f"  SELECT CASE {cases} ELSE {else_index} END AS level FROM ("
        f"    SELECT {columns} FROM mentions l JOIN mentions r"
        f"    ON l.unique_id < r.unique_id AND ({comparison.u_conditional_on}) AND l.bsn <> r.bsn"
        f"    ORDER BY hash(l.unique_id || '|' || r.unique_id) LIMIT {int(max_pairs)}"
        f"  )"
        f") GROUP BY level"
    ).fetchall()
    counts = {int(level): int(n) for level, n in rows}
    null_indexes = {i for i, level in enumerate(comparison.levels) if level.is_null}
    total = sum(n for level, n in counts.items() if level not in null_indexes)
    if total < MIN_CONDITIONAL_PAIRS:
        return None
    return [
        None if index in null_indexes else max(counts.get(index, 0), 1) / total
        for index in range(len(comparison.levels))
    ]


def train(
    features_df: pd.DataFrame,
    seed: int,
    *,
    u_max_pairs: float = 5e6,
    em_max_pairs: float | None = 2e6,
    blocking_rules: Sequence[str] = BLOCKING_RULES,
) -> dict[str, Any]:
    """Estimate the prior from deterministic rules, u by random sampling, m by EM; no labels.

    Comparisons with `u_conditional_on` get their u from `conditional_u` (fixed, so EM keeps it) when
    the data allows; the others keep u from random sampling. Returns the model artefact: Splink's model
    JSON under "splink" and the name-frequency table under "name_frequencies"."""
    frequencies = NameFrequencies.count(
        (_none(v) for v in features_df["surname_first"]), (_none(v) for v in features_df["given_first"])
    )
    features_df = with_frequencies(features_df, frequencies)
    con = _connection(features_df)
    linker = _linker(features_df, settings_dict(blocking_rules=blocking_rules), con)
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    model_u: dict[str, Any] = linker.misc.save_model_to_json()
    by_name = {c.name: c for c in COMPARISONS}
    for saved in model_u["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        u_values = conditional_u(con, comparison)
        if u_values is None:
            continue
        for entry, u in zip(saved["comparison_levels"], u_values, strict=True):
            if u is not None:
                entry["u_probability"] = max(u, float(entry.get("u_probability", 0.0)))
                entry["fix_u_probability"] = True
    linker = _linker(features_df, model_u, con)
    for rule in EM_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
    splink_json: dict[str, Any] = linker.misc.save_model_to_json()
    _apply_m_floors(splink_json)
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "rare_share": RARE_SHARE,
        "name_frequencies": frequencies.as_dict(),
        "splink": splink_json,
    }


def _apply_m_floors(splink_json: dict[str, Any], comparisons: Sequence[Comparison] = COMPARISONS) -> None:
    """Raise a trained m to the level's `min_m` (in place)."""
    by_name = {c.name: c for c in comparisons}
    for saved in splink_json["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        for level, entry in zip(comparison.levels, saved["comparison_levels"], strict=True):
            m = entry.get("m_probability")
            if level.min_m is not None and isinstance(m, float | int) and m < level.min_m:
                entry["m_probability"] = level.min_m


def save_model(model_json: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(model_json, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def predict(
    features_df: pd.DataFrame,
    model_json: Mapping[str, Any],
    threshold_match_weight: float | None = None,
) -> pd.DataFrame:
    """Score every pair the model's blocking rules reach (at or above the threshold, if given).

    Columns: unique_id_l, unique_id_r, match_weight, match_probability, gamma_<c> and mw_<c> per
    comparison, bsn_l, bsn_r and `different_valid_bsns` (the hard rule's flag)."""
    frequencies = NameFrequencies.from_dict(model_json["name_frequencies"])
    linker = _linker(with_frequencies(features_df, frequencies), splink_part(model_json))
    result = linker.inference.predict(threshold_match_weight=threshold_match_weight)
    pairs: pd.DataFrame = result.as_pandas_dataframe()
    pairs["different_valid_bsns"] = (
        pairs["bsn_l"].notna() & pairs["bsn_r"].notna() & (pairs["bsn_l"] != pairs["bsn_r"])
    )
    return pairs


def cluster(
    unique_ids: Iterable[str],
    pairs: pd.DataFrame,
    threshold_match_weight: float,
    bsn_by_id: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Join mentions into persons: pairs at or above the threshold, strongest first, never joining two
    clusters that hold different valid BSNs (so no chain A-B-C can join two BSNs either).

    Returns unique_id -> cluster id (the smallest unique_id of the cluster)."""
    parent: dict[str, str] = {uid: uid for uid in unique_ids}
    bsns: dict[str, set[str]] = {uid: set() for uid in parent}
    if bsn_by_id:
        for uid, bsn in bsn_by_id.items():
            if bsn and uid in bsns:
                bsns[uid].add(bsn)

    def find(uid: str) -> str:
        root = uid
        while parent[root] != root:
            root = parent[root]
        while parent[uid] != root:
            parent[uid], uid = root, parent[uid]
        return root

    strong = pairs[pairs["match_weight"] >= threshold_match_weight]
    strong = strong.sort_values(["match_weight", "unique_id_l", "unique_id_r"], ascending=[False, True, True])
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        a, b = find(str(left)), find(str(right))
        if a == b:
            continue
        if bsns[a] and bsns[b] and bsns[a] != bsns[b]:
            continue
        root, child = (a, b) if a < b else (b, a)
        parent[child] = root
        bsns[root] |= bsns.pop(child)
    return {uid: find(uid) for uid in parent}


DEFAULT_THRESHOLD_MATCH_WEIGHT = 8.0
MENTION_FIELDS = (
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    "postcode",
    "house_number",
    "street",
    "city",
)


def _text(value: Any) -> str | None:
    value = _none(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def mentions_to_features(df: pd.DataFrame, id_column: str = "mention_id") -> pd.DataFrame:
    """Features of a DataFrame of mention columns (given_names, surname_prefix, surname, birth_date
    `YYYY-MM-DD`, sex, bsn, house_number, postcode; missing columns count as empty)."""
    from ketenzicht.linking.engine.normalise import normalise_mention

    def column(name: str) -> list[str | None]:
        if name not in df.columns:
            return [None] * len(df)
        return [_text(v) for v in df[name]]

    ids = [str(v) for v in df[id_column]] if id_column in df.columns else [str(i) for i in df.index]
    fields = MENTION_FIELDS
    values = {name: column(name) for name in fields}
    return features_frame(
        normalise_mention(uid, **{name: values[name][i] for name in fields}) for i, uid in enumerate(ids)
    )


def link_dataframe(
    df: pd.DataFrame, *, seed: int, threshold_match_weight: float = DEFAULT_THRESHOLD_MATCH_WEIGHT
) -> pd.Series:
    """Train on `df` itself, predict, cluster: one cluster id per row (index aligned)."""
    features = mentions_to_features(df)
    if features["unique_id"].duplicated().any():
        features["unique_id"] = [str(i) for i in range(len(features))]
    model = train(features, seed)
    pairs = predict(features, model, threshold_match_weight=threshold_match_weight)
    clusters = cluster(
        features["unique_id"],
        pairs,
        threshold_match_weight,
        dict(zip(features["unique_id"], (_none(v) for v in features["bsn"]), strict=True)),
    )
    return pd.Series([clusters[uid] for uid in features["unique_id"]], index=df.index, dtype=object)


def candidate_keys(df: pd.DataFrame) -> pd.Series:
    """The blocking keys of every row of a mention DataFrame (`engine.keys.blocking_keys`: two rows are
    candidates when they share a key), for reachability figures."""
    from ketenzicht.linking.engine.keys import blocking_keys
    from ketenzicht.linking.engine.normalise import MentionFeatures

    features = mentions_to_features(df)
    rows = features.to_dict("records")
    keys = [blocking_keys(MentionFeatures(**{k: _none_row(v) for k, v in row.items()})) for row in rows]
    return pd.Series(keys, index=df.index, dtype=object)


def _none_row(value: Any) -> Any:
    if isinstance(value, list):
        return value
    value = _none(value)
    if isinstance(value, float) and value.is_integer():  # pandas turns int columns with None into float
        return int(value)
    return value
